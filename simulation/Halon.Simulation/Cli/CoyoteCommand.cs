using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Halon.Simulation.Coyote;
using Halon.Simulation.Coyote.Testing;

namespace Halon.Simulation.Cli;

/// <summary>
/// <c>halon-sim coyote</c>: the same core under Coyote's systematic testing, with the safety and liveness monitors.
/// Exit codes: 0 no bug, 1 a bug (its trace is written and the replay command printed), 2 a usage error.
/// </summary>
internal static class CoyoteCommand
{
    private static readonly string[] s_strategies = ["random", "pct", "probabilistic", "qlearning"];

    public static Command Create()
    {
        var iterations = new Option<uint>("--iterations") { Description = "Test iterations to run.", DefaultValueFactory = _ => 100 };
        var strategy = new Option<string>("--strategy") { Description = "Exploration strategy: random, pct, probabilistic or qlearning.", DefaultValueFactory = _ => "random" };
        strategy.AcceptOnlyFromAmong(s_strategies);
        var seed = new Option<uint>("--seed") { Description = "Seed of Coyote's random generator; the same seed gives the same run.", DefaultValueFactory = _ => 1 };
        var peers = new Option<int>("--peers") { Description = "Station peers (1..7).", DefaultValueFactory = _ => 3 };
        var spares = new Option<int>("--spares") { Description = "Spare nodes beyond the peers (peers + spares ≤ 7), with no role until a change of the peers joins them.", DefaultValueFactory = _ => 0 };
        var membershipChanges = new Option<int>("--membership-changes") { Description = "Changes of the station's peers (add, remove, replace, of Coyote's choosing) the nemesis makes in the fault phase.", DefaultValueFactory = _ => 0 };
        var satellites = new Option<int>("--satellites") { Description = $"Satellites (0..{CoyoteClusterOptions.SatellitesMax}).", DefaultValueFactory = _ => 2 };
        var maxSteps = new Option<uint>("--max-steps") { Description = "Scheduling steps per iteration before it counts as a bug (default: derived from the cluster)." };
        var traceDir = new Option<DirectoryInfo?>("--trace-dir") { Description = "Where a bug's .trace is written (default: the temp dir's halon-coyote)." };
        var replay = new Option<FileInfo?>("--replay") { Description = "Replay this .trace (with the same --peers and --satellites) instead of exploring." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary." };
        var command = new Command("coyote", "Test the protocol core under Coyote actors and monitors (election safety, coordinator exclusivity, acknowledgement durability, liveness).");
        foreach (var option in new Option[] { iterations, strategy, seed, peers, spares, membershipChanges, satellites, maxSteps, traceDir, replay, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var replayFile = parse.GetValue(replay);
            var options = new CoyoteRunOptions
            {
                Cluster = new CoyoteClusterOptions { Peers = parse.GetValue(peers), Spares = parse.GetValue(spares), MembershipChanges = parse.GetValue(membershipChanges), Satellites = parse.GetValue(satellites) },
                Iterations = replayFile is null ? parse.GetValue(iterations) : 1,
                Strategy = ParseStrategy(parse.GetValue(strategy)!),
                Seed = parse.GetValue(seed),
                MaxSteps = parse.GetValue(maxSteps),
                TraceDirectory = parse.GetValue(traceDir)?.FullName ?? Path.Combine(Path.GetTempPath(), "halon-coyote"),
            };
            options = options with { TraceName = $"coyote-{parse.GetValue(strategy)}-seed{options.Seed}-{options.Cluster.Peers}p{options.Cluster.Satellites}s" };
            var usage = Check(options, replayFile);
            if (usage is not null)
            {
                Console.Error.WriteLine($"halon-sim: {usage}");
                return 2;
            }

            if (replayFile is not null)
            {
                options = options with { ReplayTrace = File.ReadAllText(replayFile.FullName), TraceName = options.TraceName + "-replay" };
            }

            var result = CoyoteRunner.Run(options);
            var replayCommand = result.TraceFile is null ? null : ReplayCommand(result);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(ToJson(result, parse.GetValue(strategy)!, replayFile, replayCommand));
            }
            else
            {
                PrintSummary(result, parse.GetValue(strategy)!, replayFile, replayCommand);
            }

            return result.Passed ? 0 : 1;
        });
        return command;
    }

    private static string? Check(CoyoteRunOptions options, FileInfo? replayFile)
    {
        if (options.Iterations < 1)
        {
            return "--iterations must be at least 1";
        }

        if (replayFile is not null && !replayFile.Exists)
        {
            return $"no such trace: {replayFile.FullName}";
        }

        try
        {
            options.Cluster.Validate();
            return null;
        }
        catch (ArgumentException exception)
        {
            return exception.Message;
        }
    }

    private static CoyoteStrategy ParseStrategy(string text) => text switch
    {
        "pct" => CoyoteStrategy.Pct,
        "probabilistic" => CoyoteStrategy.Probabilistic,
        "qlearning" => CoyoteStrategy.QLearning,
        _ => CoyoteStrategy.Random,
    };

    private static string ReplayCommand(CoyoteRunResult result)
    {
        var options = result.Options;
        var command = $"halon-sim coyote --replay {result.TraceFile} --peers {options.Cluster.Peers} --satellites {options.Cluster.Satellites}";
        if (options.Cluster.Spares > 0 || options.Cluster.MembershipChanges > 0)
        {
            command += $" --spares {options.Cluster.Spares} --membership-changes {options.Cluster.MembershipChanges}";
        }

        return options.MaxSteps > 0 ? $"{command} --max-steps {options.MaxSteps}" : command;
    }

    private static void PrintSummary(CoyoteRunResult result, string strategy, FileInfo? replayFile, string? replayCommand)
    {
        var o = result.Options;
        var what = replayFile is null ? $"strategy {strategy}, seed {o.Seed}" : $"replay of {replayFile.FullName}";
        Console.Out.WriteLine($"halon-sim coyote: {what}, {o.Cluster.Peers} peers, {o.Cluster.Satellites} satellites");
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  iterations        {result.Iterations} in {result.Elapsed.TotalSeconds:0.0} s ({result.IterationsPerSecond:0.0} iterations/s)"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  steps             {result.Steps} ({result.StepsPerSecond:0} steps/s); at most {result.MaxStepsInIteration} in one iteration (bound {result.MaxSteps})"));
        var c = result.Coverage;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  explored          {c.Elections} elections (mean highest term {c.HighestTermMean:0.0}), {c.CoordinatorStarts} coordinator starts, {c.SatellitesAcknowledged} satellite acknowledgements, {c.SnapshotsTaken} snapshots taken, {c.SnapshotsInstalled} installed"));
        if (o.Cluster.MembershipChanges > 0)
        {
            Console.Out.WriteLine($"  peer changes      {c.PeerChanges} asked for ({o.Cluster.Spares} spares, {o.Cluster.MembershipChanges} changes per iteration)");
        }

        Console.Out.WriteLine($"  faults            {c.Partitions} partitions, {c.Crashes} crashes ({c.PersistCrashes} between persist and send, {c.AcknowledgementCrashes} right after acknowledging), {c.MajorityShifts} majority shifts, {c.Pauses} pauses, {c.CoordinatorCrashes} coordinator crashes; messages {c.MessagesLost} lost, {c.MessagesDuplicated} duplicated, {c.MessagesDelayed} delayed");
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  after the heal    {c.Converged} of {c.Iterations} iterations converged, in {c.RoundsToConvergeMean:0.0} rounds on average and {c.RoundsToConvergeMax} at most (bound {o.Cluster.LivenessRounds})"));
        Console.Out.WriteLine($"  bugs              {result.Bugs}");
        if (result.Passed)
        {
            return;
        }

        Console.Out.WriteLine($"  report            {result.BugReport}");
        Console.Out.WriteLine($"  trace             {result.TraceFile ?? "(not written)"}");
        if (replayCommand is not null)
        {
            Console.Out.WriteLine($"  replay with: {replayCommand}");
        }
    }

    private static string ToJson(CoyoteRunResult result, string strategy, FileInfo? replayFile, string? replayCommand)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("iterations", result.Iterations);
            json.WriteNumber("bugs", result.Bugs);
            json.WriteNumber("steps", result.Steps);
            json.WriteNumber("steps_per_second", Math.Round(result.StepsPerSecond));
            json.WriteNumber("iterations_per_second", Math.Round(result.IterationsPerSecond, 2));
            json.WriteString("strategy", strategy);
            json.WriteNumber("seed", result.Options.Seed);
            json.WriteNumber("peers", result.Options.Cluster.Peers);
            json.WriteNumber("satellites", result.Options.Cluster.Satellites);
            json.WriteNumber("spares", result.Options.Cluster.Spares);
            json.WriteNumber("membership_changes", result.Options.Cluster.MembershipChanges);
            WriteStringOrNull(json, "trace_file", result.TraceFile);
            json.WriteNumber("elapsed_seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            json.WriteNumber("max_steps_in_iteration", result.MaxStepsInIteration);
            json.WriteNumber("max_steps", result.MaxSteps);
            WriteStringOrNull(json, "bug_report", result.BugReport);
            WriteStringOrNull(json, "replay", replayCommand);
            WriteStringOrNull(json, "replayed_trace", replayFile?.FullName);
            WriteCoverage(json, result.Coverage, result.Options.Cluster);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteCoverage(Utf8JsonWriter json, CoyoteCoverage c, CoyoteClusterOptions cluster)
    {
        json.WriteStartObject("coverage");
        json.WriteNumber("elections", c.Elections);
        json.WriteNumber("highest_term_mean", Math.Round(c.HighestTermMean, 2));
        json.WriteNumber("coordinator_starts", c.CoordinatorStarts);
        json.WriteNumber("satellites_acknowledged", c.SatellitesAcknowledged);
        json.WriteNumber("snapshots_taken", c.SnapshotsTaken);
        json.WriteNumber("snapshots_installed", c.SnapshotsInstalled);
        json.WriteNumber("partitions", c.Partitions);
        json.WriteNumber("crashes", c.Crashes);
        json.WriteNumber("persist_crashes", c.PersistCrashes);
        json.WriteNumber("acknowledgement_crashes", c.AcknowledgementCrashes);
        json.WriteNumber("majority_shifts", c.MajorityShifts);
        json.WriteNumber("pauses", c.Pauses);
        json.WriteNumber("coordinator_crashes", c.CoordinatorCrashes);
        json.WriteNumber("messages_lost", c.MessagesLost);
        json.WriteNumber("messages_duplicated", c.MessagesDuplicated);
        json.WriteNumber("messages_delayed", c.MessagesDelayed);
        json.WriteNumber("peer_changes", c.PeerChanges);
        json.WriteNumber("converged", c.Converged);
        json.WriteNumber("rounds_to_converge_mean", Math.Round(c.RoundsToConvergeMean, 2));
        json.WriteNumber("rounds_to_converge_max", c.RoundsToConvergeMax);
        json.WriteNumber("liveness_rounds", cluster.LivenessRounds);
        json.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
