using System.Globalization;
using System.Text;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Output;

namespace Halon.Ctl.Membership;

/// <summary>
/// What one <c>halonctl station add|remove|replace</c> did: the join of the new node, the master's answer, the
/// configuration before and after, and whether the change is done. Printed as text or as one JSON object.
/// </summary>
internal sealed class MembershipReport
{
    public MembershipReport(MembershipPlan plan)
    {
        Plan = plan;
    }

    public MembershipPlan Plan { get; }

    public string? ClusterId { get; set; }

    /// <summary>The new node's answer to the join, or null (remove; or it never answered).</summary>
    public CommandResult? Join { get; set; }

    /// <summary>The master's answer to the change, or null when no master answered.</summary>
    public MembershipResult? Result { get; set; }

    /// <summary>The peer that answered the change: the master.</summary>
    public string? Master { get; set; }

    public ConfigurationStatus? Before { get; set; }

    public ConfigurationStatus? After { get; set; }

    /// <summary>The coordinator when the change was seen done, or null.</summary>
    public CoordinatorInfo? Coordinator { get; set; }

    /// <summary>Whether the configuration asked for is committed with no work left.</summary>
    public bool Done { get; set; }

    /// <summary>What the leaving node said of itself at the end (state removed, or why it did not answer), or null.</summary>
    public string? LeavingNode { get; set; }

    /// <summary>Why the command failed (with exit code 1), or null.</summary>
    public string? Error { get; set; }

    public TimeSpan Elapsed { get; set; }

    public int ExitCode => Error is null ? 0 : 1;

    /// <summary>The master's outcome, kebab-case (<c>appended</c>, <c>already-done</c>, ...), or <c>failed</c> without one.</summary>
    public string Outcome => Result?.Outcome switch
    {
        MembershipOutcome.Appended => "appended",
        MembershipOutcome.Pending => "pending",
        MembershipOutcome.AlreadyDone => "already-done",
        MembershipOutcome.Refused => "refused",
        MembershipOutcome.NotCoordinator => "not-coordinator",
        MembershipOutcome.NotStation => "not-station",
        _ => "failed",
    };

    /// <summary>The lines for stdout (text mode).</summary>
    public string Text()
    {
        var text = new StringBuilder();
        var change = "station " + Plan.Change.Describe();
        if (Result is { } result)
        {
            text.Append(change).Append(": ").Append(Outcome)
                .Append(result.LogIndex > 0 ? string.Create(CultureInfo.InvariantCulture, $" (log index {result.LogIndex})") : string.Empty)
                .Append(Master is null ? string.Empty : $", master {Master}").Append('\n');
            if (result.Succeeded)
            {
                text.Append("  ").Append(result.Message).Append('\n');
            }
        }
        else
        {
            text.Append(change).Append(": not carried out\n");
        }

        if (Before is { } before)
        {
            text.Append("before: ").Append(ConfigurationText.Line(before)).Append('\n');
        }

        if (After is { } after)
        {
            text.Append("after:  ").Append(ConfigurationText.Line(after)).Append('\n');
        }

        if (LeavingNode is { } leaving)
        {
            text.Append(leaving).Append('\n');
        }

        if (Error is null && Done)
        {
            text.Append("done: ").Append(DoneLine());
        }
        else if (Error is null)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture, $"under way: the master carries out the rest by itself; follow it with 'halonctl status --node {Master}', or repeat this command with --wait (safe to repeat)"));
        }
        else
        {
            text.Append("failed: ").Append(Error);
        }

        return text.ToString();
    }

    public string Json() => JsonText.Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("change", Plan.Change.Describe());
        json.WriteString("kind", Plan.Kind);
        JsonText.WriteNullableString(json, "node", Plan.Change switch { AddPeer a => a.Node.Value, RemovePeer r => r.Node.Value, _ => null });
        JsonText.WriteNullableString(json, "old", (Plan.Change as ReplacePeer)?.Old.Value);
        JsonText.WriteNullableString(json, "new", (Plan.Change as ReplacePeer)?.New.Value);
        JsonText.WriteNullableString(json, "cluster_id", ClusterId);
        json.WriteString("outcome", Outcome);
        json.WriteString("message", Result?.Message ?? Error ?? string.Empty);
        JsonText.WriteNullableString(json, "master", Master);
        json.WriteNumber("log_index", Result?.LogIndex ?? 0);
        if (Join is { } join)
        {
            json.WriteStartObject("join");
            json.WriteString("node", Plan.Joining!.Value);
            json.WriteBoolean("succeeded", join.Succeeded);
            json.WriteBoolean("changed", join.Changed);
            json.WriteString("message", join.Message);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("join");
        }

        ConfigurationText.WriteJson(json, "configuration_before", Before);
        ConfigurationText.WriteJson(json, "configuration_after", After);
        if (Coordinator is { } coordinator)
        {
            json.WriteStartObject("coordinator");
            json.WriteString("node", coordinator.Node);
            json.WriteNumber("epoch", coordinator.Epoch);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("coordinator");
        }

        json.WriteBoolean("waited", Plan.Wait);
        json.WriteBoolean("done", Done);
        JsonText.WriteNullableString(json, "leaving_node", LeavingNode);
        JsonText.WriteNullableString(json, "error", Error);
        json.WriteNumber("exit_code", ExitCode);
        json.WriteNumber("elapsed_ms", (long)Elapsed.TotalMilliseconds);
        json.WriteEndObject();
    });

    private string DoneLine()
    {
        var what = Plan.Change switch
        {
            AddPeer add => $"{add.Node} is a voter",
            RemovePeer remove => $"{remove.Node} is out of the station",
            ReplacePeer replace => $"{replace.New} replaced {replace.Old}",
            _ => Plan.Change.Describe(),
        };
        var voters = After is { } after ? string.Create(CultureInfo.InvariantCulture, $"; voters {string.Join(',', after.Voters)} (configuration index {after.Index}, committed)") : string.Empty;
        var coordinator = Coordinator is { } c ? string.Create(CultureInfo.InvariantCulture, $"; coordinator {c.Node} (epoch {c.Epoch})") : string.Empty;
        return what + voters + coordinator;
    }
}
