using System.CommandLine;
using System.Text.Json;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Cli;

/// <summary><c>halon-sim sweep --seeds N [--from S]</c>: many runs, with progress, a summary and every failure's replay command.</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "How many seeds to run.", Required = true };
        var from = new Option<ulong>("--from") { Description = "The first seed.", DefaultValueFactory = _ => 1UL };
        var stopOnFailure = new Option<bool>("--stop-on-failure") { Description = "Start no seed above the first that fails (the lowest failing seed is still found)." };
        var runSecondsMax = new Option<double>("--run-seconds-max") { Description = "Wall-clock seconds one run may take before it is reported as hung.", DefaultValueFactory = _ => 300 };
        var arguments = new SimulationArguments();
        var command = new Command("sweep", "Run many seeds (in parallel) and report every violation with its replay command.");
        command.Options.Add(seeds);
        command.Options.Add(from);
        command.Options.Add(stopOnFailure);
        command.Options.Add(runSecondsMax);
        arguments.AddTo(command);
        command.SetAction(parse =>
        {
            var count = parse.GetValue(seeds);
            if (count < 1)
            {
                Console.Error.WriteLine("halon-sim: --seeds must be positive");
                return 2;
            }

            var template = arguments.Build(parse, parse.GetValue(from));
            if (template is null)
            {
                return 2;
            }

            var json = parse.GetValue(arguments.Json);
            if (parse.GetValue(runSecondsMax) <= 0)
            {
                Console.Error.WriteLine("halon-sim: --run-seconds-max must be positive");
                return 2;
            }

            var sweepOptions = new SweepOptions { StopOnFailure = parse.GetValue(stopOnFailure), RunSecondsMax = parse.GetValue(runSecondsMax) };
            var result = Sweep.Run(template, template.Seed, count, sweepOptions, p =>
                Console.Error.WriteLine($"sweep: {p.Done}/{p.Total} runs, {p.FailedRuns} failed, {p.Events / 1e6:0.0}M events, {p.Events / Math.Max(p.Elapsed.TotalSeconds, 1e-9) / 1e6:0.00}M events/s"));
            if (json)
            {
                Console.Out.WriteLine(ToJson(result));
            }
            else
            {
                PrintSummary(result);
            }

            return result.Failures.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static void PrintSummary(SweepResult result)
    {
        var t = result.Template;
        Console.Out.WriteLine($"halon-sim sweep: seeds {result.From}..{result.From + (ulong)result.Runs.Count - 1}, {t.Peers} peers, {t.Satellites} satellites, faults {t.FaultSpec}{(t.Membership != "none" ? $", membership {t.Membership}" : string.Empty)}, {t.Ticks} ticks");
        Console.Out.WriteLine($"  runs              {result.Runs.Count}, {result.Failures.Count} failed, {result.Violations} violations");
        Console.Out.WriteLine($"  events            {result.Events} in {result.Elapsed.TotalSeconds:0.0} s ({result.EventsPerSecond / 1e6:0.00}M events/s)");
        Console.Out.WriteLine($"  snapshots         {result.RunsThatCompacted}/{result.Runs.Count} runs compacted; {result.RunsThatInstalled} runs installed {result.SnapshotsInstalled} snapshots");
        if (result.PeerChangesStarted > 0)
        {
            Console.Out.WriteLine($"  peer changes      {result.PeerChangesDone} of {result.PeerChangesStarted} done, in {result.RunsThatChangedPeers}/{result.Runs.Count} runs; {result.RunsThatReachedPeersMax} runs reached {Halon.Core.Limits.PeersMax} voters{(t.Membership == "grow-shrink" ? $", {result.RunsThatCompletedACycle} grew to {Halon.Core.Limits.PeersMax} and shrank back at least once" : string.Empty)}");
        }

        Console.Out.WriteLine($"  after the heal    coordinator within {result.WorstTicksToCoordinatorAfterHeal:0.0} ticks (bound {t.LivenessCoordinatorTicksMax}), all satellites within {result.WorstTicksToAllAcknowledgedAfterHeal:0.0} ticks (bound {t.LivenessAcknowledgedTicksMax})");
        foreach (var failure in result.Failures.Take(50))
        {
            Console.Out.WriteLine($"  FAIL seed {failure.Options.Seed}: {failure.Violations[0]}");
            Console.Out.WriteLine($"       replay: {failure.Options.ReplayCommand} --trace run-{failure.Options.Seed}.trace");
        }
    }

    private static string ToJson(SweepResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("runs", result.Runs.Count);
            json.WriteNumber("violations", result.Violations);
            json.WriteNumber("failed_runs", result.Failures.Count);
            json.WriteStartArray("failures");
            foreach (var failure in result.Failures)
            {
                json.WriteStartObject();
                json.WriteNumber("seed", failure.Options.Seed);
                json.WriteString("invariant", failure.Violations[0].InvariantName);
                json.WriteString("message", failure.Violations[0].Message);
                json.WriteString("replay", failure.Options.ReplayCommand);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("seeds_run", result.Runs.Count);
            if (result.Failures.Count > 0)
            {
                json.WriteNumber("first_failing_seed", result.Failures.Min(f => f.Options.Seed));
            }
            else
            {
                json.WriteNull("first_failing_seed");
            }

            json.WriteNumber("events", result.Events);
            json.WriteNumber("elapsed_seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            json.WriteNumber("events_per_second", Math.Round(result.EventsPerSecond));
            json.WriteNumber("runs_compacted", result.RunsThatCompacted);
            json.WriteNumber("runs_installed", result.RunsThatInstalled);
            json.WriteNumber("snapshots_installed", result.SnapshotsInstalled);
            json.WriteString("membership", result.Template.Membership);
            json.WriteNumber("peer_changes_started", result.PeerChangesStarted);
            json.WriteNumber("peer_changes_done", result.PeerChangesDone);
            json.WriteNumber("runs_that_changed_peers", result.RunsThatChangedPeers);
            json.WriteNumber("runs_that_reached_peers_max", result.RunsThatReachedPeersMax);
            json.WriteNumber("runs_that_completed_a_cycle", result.RunsThatCompletedACycle);
            json.WriteNumber("from", result.From);
            json.WriteNumber("peers", result.Template.Peers);
            json.WriteNumber("satellites", result.Template.Satellites);
            json.WriteString("faults", result.Template.FaultSpec);
            json.WriteNumber("worst_ticks_from_heal_to_coordinator", result.WorstTicksToCoordinatorAfterHeal);
            json.WriteNumber("worst_ticks_from_heal_to_all_acknowledged", result.WorstTicksToAllAcknowledgedAfterHeal);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
