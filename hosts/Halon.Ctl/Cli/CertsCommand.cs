using System.CommandLine;
using System.Globalization;
using System.Text;
using Halon.Core.Identity;
using Halon.Ctl.Addressing;
using Halon.Ctl.Certs;
using Halon.Ctl.Output;
using Halon.Genders;

namespace Halon.Ctl.Cli;

/// <summary>
/// <c>halonctl certs --out DIR (--genders FILE [--attr A,B] | --nodes LIST) [--port 9070] [--days 825] [--ca-days 3650] [--json]</c>:
/// makes a CA and the certificates of a cluster for mutual TLS. Safe to repeat: what exists and fits is kept.
/// </summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The directory of the CA and the certificates (made with mode 0700 if missing).", HelpName = "DIR", Required = true };
        var nodes = new Option<string?>("--nodes") { Description = "The nodes: HOST[:PORT] list, host ranges allowed (ts[01-03],n[001-120]).", HelpName = "LIST" };
        var genders = new Option<string?>("--genders") { Description = "Take the nodes from this genders file instead (nodes with any of --attr).", HelpName = "FILE" };
        var attributes = new Option<string?>("--attr") { Description = "The genders attributes of the nodes, comma-separated (default: station,satellite).", HelpName = "A,B" };
        var port = new Option<int>("--port") { Description = "The port of names given without one (and of genders nodes without halon_port).", DefaultValueFactory = _ => NodeList.DefaultPort, HelpName = "PORT" };
        var days = new Option<int>("--days") { Description = "Days the node and halonctl certificates are valid.", DefaultValueFactory = _ => 825, HelpName = "N" };
        var authorityDays = new Option<int>("--ca-days") { Description = "Days a new CA is valid.", DefaultValueFactory = _ => 3650, HelpName = "N" };
        var json = CommonOptions.Json("Print one JSON object instead of text.");
        var command = new Command(
            "certs",
            "Make a CA and a certificate for every node (and one for halonctl) for mutual TLS. Safe to repeat: existing files that fit are kept, " +
            "so adding nodes to the list makes only their certificates.\n\n" +
            "Examples:\n" +
            "  halonctl certs --out /root/halon-pki --genders /etc/genders\n" +
            "  halonctl certs --out /root/halon-pki --nodes ts[01-03],n[001-120]");
        command.Options.Add(output);
        command.Options.Add(nodes);
        command.Options.Add(genders);
        command.Options.Add(attributes);
        command.Options.Add(port);
        command.Options.Add(days);
        command.Options.Add(authorityDays);
        command.Options.Add(json);
        command.SetAction(Guarded.Action("certs", async (parse, cancellationToken) =>
        {
            var defaultPort = CommonOptions.CheckPort(parse.GetValue(port), "--port");
            var nodeDays = CheckDays(parse.GetValue(days), "--days");
            var caDays = CheckDays(parse.GetValue(authorityDays), "--ca-days");
            var list = (parse.GetValue(nodes), parse.GetValue(genders)) switch
            {
                ({ } text, null) when parse.GetValue(attributes) is null => NodeList.Parse(text, defaultPort, "--nodes"),
                ({ }, null) => throw new UsageException("--attr goes with --genders"),
                (null, { } file) => FromGenders(file, parse.GetValue(attributes) ?? "station,satellite", defaultPort),
                (null, null) => throw new UsageException("name the nodes with --nodes LIST or --genders FILE"),
                _ => throw new UsageException("give the nodes with --nodes or --genders, not both"),
            };
            CertsResult result;
            try
            {
                result = new CertificateDirectory(parse.GetValue(output)!).Ensure(list, TimeSpan.FromDays(nodeDays), TimeSpan.FromDays(caDays));
            }
            catch (Exception e) when (e is CertsException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"halonctl certs: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync(parse.GetValue(json) ? Json(result) : Text(result, parse.GetValue(output)!)).ConfigureAwait(false);
            var conflicts = result.Files.Where(f => f.Status == "conflict").ToList();
            foreach (var conflict in conflicts)
            {
                await Console.Error.WriteLineAsync($"halonctl certs: {conflict.Problem}").ConfigureAwait(false);
            }

            return conflicts.Count == 0 ? 0 : 1;
        }));
        return command;
    }

    private static int CheckDays(int days, string option) =>
        days is >= 1 and <= 36_500 ? days : throw new UsageException($"{option} {days} is not in 1..36500");

    private static IReadOnlyList<NodeId> FromGenders(string file, string attributeList, int port)
    {
        var attributes = attributeList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (attributes.Length == 0)
        {
            throw new UsageException("--attr names no attribute");
        }

        GendersFile genders;
        try
        {
            genders = GendersFile.Load(file);
        }
        catch (Exception e) when (e is GendersParseException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--genders: {e.Message}", e);
        }

        var nodes = new List<NodeId>();
        foreach (var address in attributes.SelectMany(a => genders.Addresses(a, port)))
        {
            var id = NodeList.WithPort(address, port, "--genders");
            if (!nodes.Contains(id))
            {
                nodes.Add(id);
            }
        }

        return nodes.Count > 0
            ? nodes
            : throw new UsageException($"--genders: no node in {file} has any of the attributes {string.Join(", ", attributes)}");
    }

    private static string Text(CertsResult result, string directory)
    {
        var table = new TextTable("WHAT", "STATUS", "FILES", "NAMES");
        table.Add("CA " + result.AuthorityId, result.AuthorityCreated ? "created" : "kept", $"{result.AuthorityCertificate} {result.AuthorityKey}", "-");
        foreach (var file in result.Files)
        {
            table.Add(
                file.Stem,
                file.Status,
                $"{file.Certificate} {file.Key}",
                file.Ids.Count == 0 ? "(client certificate)" : string.Join(",", file.Ids.Select(i => i.Value)));
        }

        var hosts = result.Files.Where(f => f.Ids.Count > 0).Select(f => f.Stem).ToList();
        var text = new StringBuilder(table.Render()).Append("\n\n");
        text.Append("# Keep ").Append(result.AuthorityKey).Append(" off the nodes: whoever has it can make a certificate for any node.\n");
        text.Append("# Install each node's certificate, its key and the CA under fixed names (pdcp -p keeps the key's mode 0600):\n");
        text.Append(CultureInfo.InvariantCulture, $"for n in {string.Join(' ', hosts)}; do pdcp -p -w \"$n\" {directory}/\"$n\".crt /etc/halon/node.crt && pdcp -p -w \"$n\" {directory}/\"$n\".key /etc/halon/node.key && pdcp -p -w \"$n\" {directory}/ca.crt /etc/halon/ca.crt; done\n");
        text.Append("# Start halond with them: --tls-cert /etc/halon/node.crt --tls-key /etc/halon/node.key --tls-ca /etc/halon/ca.crt\n");
        text.Append("# (under systemd, as credentials: see the operations guide, \"Mutual TLS\"). Give halonctl its own:\n");
        text.Append(CultureInfo.InvariantCulture, $"#   export HALON_TLS_CERT={directory}/halonctl.crt HALON_TLS_KEY={directory}/halonctl.key HALON_TLS_CA={directory}/ca.crt");
        return text.ToString();
    }

    private static string Json(CertsResult result) => JsonText.Write(json =>
    {
        json.WriteStartObject();
        json.WriteStartObject("ca");
        json.WriteString("id", result.AuthorityId);
        json.WriteString("status", result.AuthorityCreated ? "created" : "kept");
        json.WriteString("certificate", result.AuthorityCertificate);
        json.WriteString("key", result.AuthorityKey);
        json.WriteEndObject();
        json.WriteStartArray("certificates");
        foreach (var file in result.Files)
        {
            json.WriteStartObject();
            json.WriteString("name", file.Stem);
            json.WriteString("status", file.Status);
            json.WriteString("certificate", file.Certificate);
            json.WriteString("key", file.Key);
            JsonText.WriteStrings(json, "nodes", file.Ids.Select(i => i.Value));
            JsonText.WriteNullableString(json, "problem", file.Problem);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });
}
