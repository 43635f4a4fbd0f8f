using Halon.Ctl.Output;

namespace Halon.Ctl.Bootstrap;

/// <summary>Prints a <see cref="BootstrapPlan"/> for <c>--dry-run</c>: a shell script with the plan in comments, or JSON.</summary>
internal static class PlanPrinter
{
    public static string Text(BootstrapPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var lines = new List<string>
        {
            $"# halonctl bootstrap {plan.KindText} --dry-run: the plan; no node was contacted.",
            $"# station {plan.ClusterId}: {plan.Peers.Count} peers, quorum {plan.Peers.Majority}{(plan.Kind == BootstrapKind.Station ? $", timing {Addressing.TimingOption.Describe(plan.Timing ?? Addressing.TimingOption.Default)}{(plan.Timing is null ? " unless already bootstrapped" : string.Empty)}" : string.Empty)}",
            $"#   peers:   {string.Join(' ', plan.Peers.Members)}",
            $"#   act on:  {string.Join(' ', plan.On)} ({plan.On.Count} {(plan.Kind == BootstrapKind.Station ? "peer" : "satellite")}{(plan.On.Count == 1 ? string.Empty : "s")})",
            $"#   source:  {plan.Source}",
        };
        foreach (var note in plan.Notes())
        {
            lines.Add($"#   note: {note}");
        }

        lines.Add(plan.Kind == BootstrapKind.Station
            ? "# The same bootstrap as one command per node (the uncoordinated form): run them from anywhere, in any order,"
            : "# The same bootstrap as one command per satellite: run them from anywhere, in any order,");
        lines.Add("# as often as you like; a node that is already bootstrapped answers \"already\".");
        lines.AddRange(plan.Commands());
        return string.Join('\n', lines);
    }

    public static string Json(BootstrapPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("kind", plan.KindText);
            json.WriteString("cluster_id", plan.ClusterId);
            if (plan.Timing is { } timing)
            {
                TimingJson.Write(json, "timing", timing);
            }

            JsonText.WriteStrings(json, "peers", plan.Peers.Members.Select(m => m.Value));
            JsonText.WriteStrings(json, "on", plan.On.Select(m => m.Value));
            JsonText.WriteStrings(json, "commands", plan.Commands());
            JsonText.WriteStrings(json, "notes", plan.Notes());
            json.WriteEndObject();
        });
    }
}
