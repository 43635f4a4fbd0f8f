using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Cli;

/// <summary><c>halon-sim run --seed N</c>: one seeded run, with a summary or JSON.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var seed = new Option<ulong>("--seed") { Description = "The seed; the same seed gives the same run.", Required = true };
        var trace = new Option<FileInfo?>("--trace") { Description = "Write every effect and fault, one line each, to FILE." };
        var timeline = new Option<FileInfo?>("--timeline") { Description = "Draw the run to FILE: a self-contained HTML page, one lane per node (states, terms, coordinator epochs, faults, acknowledgements, violations)." };
        var arguments = new SimulationArguments();
        var command = new Command("run", "Run one seeded simulation and check every invariant after every step.");
        command.Options.Add(seed);
        arguments.AddTo(command);
        command.Options.Add(trace);
        command.Options.Add(timeline);
        command.SetAction(parse =>
        {
            var options = arguments.Build(parse, parse.GetValue(seed));
            if (options is null)
            {
                return 2;
            }

            var traceFile = parse.GetValue(trace);
            using var writer = traceFile is null ? null : new StreamWriter(traceFile.FullName);
            var simulation = new Harness.Simulation(options, writer is null ? null : writer.WriteLine);
            var timelineFile = parse.GetValue(timeline);
            var recorder = timelineFile is null ? null : TimelineCommand.Record(simulation, options);
            var result = simulation.Run();
            if (recorder is not null)
            {
                TimelineCommand.Write(recorder, result, timelineFile!);
            }

            if (parse.GetValue(arguments.Json))
            {
                Console.Out.WriteLine(ToJson(result));
            }
            else
            {
                PrintSummary(result);
            }

            return result.Passed ? 0 : 1;
        });
        return command;
    }

    private static void PrintSummary(SimulationResult result)
    {
        var o = result.Options;
        Console.Out.WriteLine($"halon-sim run: seed {o.Seed}, {o.Peers} peers, {o.Satellites} satellites, {o.Ticks} ticks");
        Console.Out.WriteLine($"  faults            {result.Faults}{(result.HealTick > 0 ? $" (healed at tick {result.HealTick:0})" : string.Empty)}");
        Console.Out.WriteLine($"  first coordinator {(result.TicksToFirstCoordinator < 0 ? "never" : $"at tick {result.TicksToFirstCoordinator:0.0}")}");
        if (result.HealTick > 0)
        {
            Console.Out.WriteLine($"  after the heal    coordinator in {Ticks(result.TicksFromHealToCoordinator)}, all satellites acknowledged in {Ticks(result.TicksFromHealToAllAcknowledged)}");
        }

        Console.Out.WriteLine($"  elections         {result.Elections} (highest term {result.HighestTerm}), coordinator starts {result.CoordinatorStarts}, crashes {result.Crashes}");
        Console.Out.WriteLine($"  satellites        {result.SatellitesAcknowledged}/{o.Satellites} acknowledged at the end");
        Console.Out.WriteLine($"  snapshots         {result.SnapshotsTaken} taken, {result.SnapshotsInstalled} installed from a master");
        if (result.PeerChangesStarted > 0)
        {
            Console.Out.WriteLine($"  peer changes      {result.PeerChangesDone} done, {result.PeerChangesGivenUp} given up, of {result.PeerChangesStarted} started ({result.PeerChangeRequests} requests); committed voters {result.VotersMin}..{result.VotersMax}{(o.Membership == "grow-shrink" ? $", {result.GrowShrinkCycles} full grow-shrink cycles" : string.Empty)}");
        }

        Console.Out.WriteLine($"  messages          {result.MessagesSent} sent, {result.MessagesDelivered} delivered, {result.MessagesDropped} dropped");
        Console.Out.WriteLine($"  events            {result.Events}");
        Console.Out.WriteLine($"  trace hash        {result.TraceHashText}");
        if (result.Passed)
        {
            Console.Out.WriteLine("  violations        0");
            return;
        }

        Console.Out.WriteLine($"  violations        {result.Violations.Count}");
        foreach (var violation in result.Violations)
        {
            Console.Out.WriteLine($"    {violation}");
        }

        Console.Out.WriteLine($"  replay with: {o.ReplayCommand} --trace run-{o.Seed}.trace");
    }

    private static string Ticks(double ticks) => ticks < 0 ? "never" : $"{ticks:0.0} ticks";

    internal static string ToJson(SimulationResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("seed", result.Options.Seed);
            json.WriteNumber("violations", result.Violations.Count);
            json.WriteString("trace_hash", result.TraceHashText);
            json.WriteNumber("events", result.Events);
            json.WriteNumber("ticks_to_first_coordinator", result.TicksToFirstCoordinator);
            json.WriteNumber("peers", result.Options.Peers);
            json.WriteNumber("satellites", result.Options.Satellites);
            json.WriteNumber("ticks", result.Options.Ticks);
            json.WriteString("faults", result.Faults);
            json.WriteNumber("heal_tick", result.HealTick);
            json.WriteNumber("ticks_from_heal_to_coordinator", result.TicksFromHealToCoordinator);
            json.WriteNumber("ticks_from_heal_to_all_acknowledged", result.TicksFromHealToAllAcknowledged);
            json.WriteNumber("elections", result.Elections);
            json.WriteNumber("highest_term", result.HighestTerm);
            json.WriteNumber("coordinator_starts", result.CoordinatorStarts);
            json.WriteNumber("satellites_acknowledged", result.SatellitesAcknowledged);
            json.WriteNumber("snapshots_taken", result.SnapshotsTaken);
            json.WriteNumber("snapshots_installed", result.SnapshotsInstalled);
            json.WriteString("membership", result.Options.Membership);
            json.WriteNumber("peer_changes_started", result.PeerChangesStarted);
            json.WriteNumber("peer_changes_done", result.PeerChangesDone);
            json.WriteNumber("peer_changes_given_up", result.PeerChangesGivenUp);
            json.WriteNumber("voters_min", result.VotersMin);
            json.WriteNumber("voters_max", result.VotersMax);
            json.WriteNumber("grow_shrink_cycles", result.GrowShrinkCycles);
            json.WriteNumber("messages_sent", result.MessagesSent);
            json.WriteNumber("messages_delivered", result.MessagesDelivered);
            json.WriteNumber("messages_dropped", result.MessagesDropped);
            json.WriteNumber("crashes", result.Crashes);
            json.WriteStartArray("violation_details");
            foreach (var violation in result.Violations)
            {
                json.WriteStartObject();
                json.WriteString("invariant", violation.InvariantName);
                json.WriteNumber("at_tick", violation.AtTick);
                json.WriteString("message", violation.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("replay", result.Options.ReplayCommand);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
