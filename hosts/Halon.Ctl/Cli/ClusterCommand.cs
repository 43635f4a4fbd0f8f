using System.CommandLine;
using Halon.Ctl.Cluster;
using Halon.Ctl.Output;

namespace Halon.Ctl.Cli;

/// <summary>
/// <c>halonctl status --cluster</c> and <c>halonctl health</c>: one look at every peer (and satellite) of a station.
/// Status exits 0 whenever it could look; health exits 0 only when the station is healthy, and 1 with the reasons.
/// </summary>
internal static class ClusterCommand
{
    public static Command CreateHealth()
    {
        var options = new ClusterOptions("5s");
        var command = new Command(
            "health",
            "Ask every peer of the station at once; exit 0 when the station is healthy, 1 with the reasons when not.\n\n" +
            "Healthy: a majority of the peers answer, one master runs the coordinator, and every peer that answers agrees\n" +
            "with it on term, master and coordinator. The reasons are codes with a line each: no-quorum, no-coordinator,\n" +
            "several-masters, different-term, different-master, different-coordinator, different-cluster, not-a-peer.\n" +
            "A peer that is down while the rest keep quorum is a warning. With --satellites, every satellite the station\n" +
            "knows must answer as acknowledged, with the station's own peer set as its list.\n\n" +
            "Examples:\n" +
            "  halonctl health && echo ok\n" +
            "  halonctl health --genders /etc/genders --satellites --json");
        options.AddTo(command);
        command.SetAction(Guarded.Action("health", (parse, cancellationToken) => RunAsync(options, parse, health: true, cancellationToken)));
        return command;
    }

    public static async Task<int> RunAsync(ClusterOptions options, ParseResult parse, bool health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parse);
        var entries = options.Entries(parse);
        var timeout = CommonOptions.ParseTimeout(parse.GetValue(options.Timeout)!);
        var security = options.Security.Load(parse);
        var json = parse.GetValue(options.Json);
        using var deadline = new Deadline(timeout, cancellationToken);
        await using var survey = new ClusterSurvey(security, deadline);
        ClusterReport report;
        try
        {
            report = await survey.RunAsync(entries, parse.GetValue(options.Satellites)).ConfigureAwait(false);
        }
        catch (ClusterSurveyException e)
        {
            await Console.Error.WriteLineAsync($"halonctl: {e.Message}").ConfigureAwait(false);
            if (json)
            {
                await Console.Out.WriteLineAsync(StatusJson.Error(null, "no-station", e.Message)).ConfigureAwait(false);
            }

            return 1;
        }

        var text = json ? ClusterJson.Write(report, deadline.Elapsed) : health ? ClusterText.Health(report) : ClusterText.Write(report);
        await Console.Out.WriteLineAsync(text).ConfigureAwait(false);
        return health && !report.Healthy ? 1 : 0;
    }
}
