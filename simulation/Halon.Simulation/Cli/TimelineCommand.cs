using System.CommandLine;
using Halon.Simulation.Harness;
using Halon.Simulation.Timeline;

namespace Halon.Simulation.Cli;

/// <summary>
/// <c>halon-sim timeline --from-logs DIR -o FILE</c>: the picture of <c>halon-sim run --timeline</c>, drawn from the JSON
/// logs (<c>halond --log-format json</c>) of several real nodes; and the helpers <c>run --timeline</c> uses.
/// </summary>
internal static class TimelineCommand
{
    public static Command Create()
    {
        var fromLogs = new Option<DirectoryInfo>("--from-logs") { Description = "A directory of halond JSON logs, one file per node (other lines are skipped).", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The HTML file to write.", Required = true };
        var command = new Command("timeline", "Draw halond's JSON logs of several nodes as a timeline: one lane per node, states, terms, coordinator epochs, restarts.");
        command.Options.Add(fromLogs);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(fromLogs)!;
            if (!directory.Exists)
            {
                Console.Error.WriteLine($"halon-sim: --from-logs {directory.FullName}: no such directory");
                return 2;
            }

            var timeline = LogTimelineReader.Read(directory.FullName);
            if (timeline.Nodes.Count == 0)
            {
                Console.Error.WriteLine($"halon-sim: no JSON log line of halond in {directory.FullName} (start halond with --log-format json)");
                return 1;
            }

            var file = parse.GetValue(output)!;
            File.WriteAllText(file.FullName, TimelineRenderer.Render(timeline));
            Console.Out.WriteLine($"halon-sim: {timeline.Nodes.Count} nodes, {timeline.Events.Count} events drawn to {file.FullName}");
            return 0;
        });
        return command;
    }

    /// <summary>Attaches a recorder to <paramref name="simulation"/>, with a lane for every node.</summary>
    internal static TimelineRecorder Record(Harness.Simulation simulation, SimulationOptions options)
    {
        var recorder = new TimelineRecorder($"halon-sim run --seed {options.Seed}: {options.Peers} peers, {options.Satellites} satellites");
        foreach (var name in simulation.Names())
        {
            recorder.Timeline.AddNode(name);
        }

        recorder.Timeline.End = options.Ticks;
        simulation.Timeline = recorder;
        return recorder;
    }

    /// <summary>Adds the run's violations and writes the page.</summary>
    internal static void Write(TimelineRecorder recorder, SimulationResult result, FileInfo file)
    {
        foreach (var violation in result.Violations)
        {
            recorder.Timeline.Add(new TimelineEvent(violation.AtTick, null, TimelineEventKind.Violation) { Detail = violation.ToString() });
        }

        recorder.Timeline.Subtitle = $"faults: {result.Faults}{(result.HealTick > 0 ? $", healed at tick {result.HealTick:0}" : string.Empty)}; trace hash {result.TraceHashText}; replay: {result.Options.ReplayCommand}";
        File.WriteAllText(file.FullName, TimelineRenderer.Render(recorder.Timeline));
    }
}
