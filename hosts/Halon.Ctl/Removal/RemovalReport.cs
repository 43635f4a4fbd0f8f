using System.Globalization;
using System.Text;
using Halon.Ctl.Output;

namespace Halon.Ctl.Removal;

/// <summary>The results of one <c>halonctl satellite remove</c>, as text or JSON, and its exit code.</summary>
internal sealed record RemovalReport(IReadOnlyList<string> Station, string? Coordinator, bool DryRun, IReadOnlyList<NodeRemoval> Nodes)
{
    public int Count(string result) => Nodes.Count(n => n.Result == result);

    /// <summary>0 when every node is out of the table (or would be), 1 when one was refused or failed.</summary>
    public int ExitCode => Nodes.All(n => n.Succeeded) ? 0 : 1;

    public string Text()
    {
        var text = new StringBuilder();
        text.Append(DryRun ? "Dry run (nothing changed): " : string.Empty)
            .Append("station ").Append(string.Join(',', Station))
            .Append(", coordinator ").Append(Coordinator ?? "not found").Append('\n');
        var table = new TextTable("NODE", "RESULT", "DETAIL");
        foreach (var node in Nodes)
        {
            table.Add(node.Node, node.Result, node.Detail);
        }

        text.Append(table.Render());
        if (text[^1] != '\n')
        {
            text.Append('\n');
        }

        text.Append(DryRun
            ? string.Create(CultureInfo.InvariantCulture, $"would remove {Count(NodeRemoval.WouldRemove)}, already removed {Count(NodeRemoval.AlreadyRemoved)}, absent {Count(NodeRemoval.Absent)}")
            : string.Create(CultureInfo.InvariantCulture, $"removed {Count(NodeRemoval.Removed)}, already removed {Count(NodeRemoval.AlreadyRemoved)}, absent {Count(NodeRemoval.Absent)}, refused {Count(NodeRemoval.Refused)}, failed {Count(NodeRemoval.Failed)}"));
        return text.ToString();
    }

    public string Json() => JsonText.Write(json =>
    {
        json.WriteStartObject();
        JsonText.WriteStrings(json, "station", Station);
        JsonText.WriteNullableString(json, "coordinator", Coordinator);
        json.WriteBoolean("dry_run", DryRun);
        json.WriteStartArray("nodes");
        foreach (var node in Nodes)
        {
            json.WriteStartObject();
            json.WriteString("node", node.Node);
            json.WriteString("result", node.Result);
            json.WriteString("detail", node.Detail);
            json.WriteNumber("log_index", node.LogIndex);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("removed", Count(NodeRemoval.Removed));
        json.WriteNumber("already_removed", Count(NodeRemoval.AlreadyRemoved));
        json.WriteNumber("absent", Count(NodeRemoval.Absent));
        json.WriteNumber("would_remove", Count(NodeRemoval.WouldRemove));
        json.WriteNumber("refused", Count(NodeRemoval.Refused));
        json.WriteNumber("failed", Count(NodeRemoval.Failed));
        json.WriteEndObject();
    });
}
