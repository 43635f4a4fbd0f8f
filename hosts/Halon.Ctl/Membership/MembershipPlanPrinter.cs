using System.Globalization;
using Halon.Core.Protocol;
using Halon.Ctl.Addressing;
using Halon.Ctl.Output;

namespace Halon.Ctl.Membership;

/// <summary>Prints a <see cref="MembershipPlan"/> for <c>--dry-run</c>: the change, the nodes asked and the steps, as text or JSON.</summary>
internal static class MembershipPlanPrinter
{
    /// <summary>When the station refuses a change, whatever the plan says.</summary>
    public static IReadOnlyList<string> Refusals { get; } =
    [
        "another change is under way (one change at a time; a learner still catching up counts)",
        "the change would leave fewer voters that answer the master than a majority of the voters it leaves",
        "the station has 2 voters and would lose one (add or replace instead)",
        $"the station would have more than {Halon.Core.Limits.PeersMax} voters, or more than {Halon.Core.Limits.LearnersMax} learners",
    ];

    public static string Text(MembershipPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var lines = new List<string>
        {
            $"# halonctl station {plan.Change.Describe()} --dry-run: the plan; no node was contacted.",
            $"#   station: ask {string.Join(' ', plan.Entries)} ({plan.Source}); the request goes on to the master",
            "# steps:",
        };
        var steps = plan.Steps();
        for (var i = 0; i < steps.Count; i++)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"#   {i + 1}. {steps[i]}"));
        }

        lines.Add("# the station refuses the change, with the reason, when:");
        lines.AddRange(Refusals.Select(r => "#   - " + r));
        lines.Add("# Repeating the command is safe: a change under way answers pending, one made already answers already-done.");
        return string.Join('\n', lines);
    }

    public static string Json(MembershipPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("dry_run", true);
            json.WriteString("change", plan.Change.Describe());
            json.WriteString("kind", plan.Kind);
            JsonText.WriteNullableString(json, "node", plan.Change switch { AddPeer a => a.Node.Value, RemovePeer r => r.Node.Value, _ => null });
            JsonText.WriteNullableString(json, "old", (plan.Change as ReplacePeer)?.Old.Value);
            JsonText.WriteNullableString(json, "new", (plan.Change as ReplacePeer)?.New.Value);
            JsonText.WriteNullableString(json, "joins", plan.Joining?.Value);
            JsonText.WriteNullableString(json, "leaves", plan.Leaving?.Value);
            JsonText.WriteStrings(json, "station", plan.Entries.Select(e => e.Value));
            json.WriteString("source", plan.Source);
            JsonText.WriteStrings(json, "steps", plan.Steps());
            JsonText.WriteStrings(json, "refused_when", Refusals);
            json.WriteBoolean("wait", plan.Wait);
            json.WriteString("timeout", Durations.Format(plan.Timeout));
            json.WriteEndObject();
        });
    }
}
