using System.CommandLine;
using Halon.Ctl.Demo;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl demo [--peers 3] [--satellites 2]</c>: the newcomer's first command.</summary>
internal static class DemoCommand
{
    /// <summary>Most satellites the demo starts: each is a process on this machine.</summary>
    private const int SatellitesMax = 20;

    public static Command Create()
    {
        var peers = new Option<int>("--peers") { Description = $"Station peers to start (1..{Halon.Core.Limits.PeersMax}; 3 or more shows a failover).", DefaultValueFactory = _ => 3 };
        var satellites = new Option<int>("--satellites") { Description = $"Satellites to start (0..{SatellitesMax}).", DefaultValueFactory = _ => 2 };
        var halond = new Option<string?>("--halond") { Description = $"The halond executable or halond.dll to run (default: found next to halonctl or in the build output; also ${HalondLauncher.OverrideVariable}).", HelpName = "PATH" };
        var command = new Command("demo", "Start a whole cluster on this machine, bootstrap it, kill its master, watch the failover, and clean up.");
        command.Options.Add(peers);
        command.Options.Add(satellites);
        command.Options.Add(halond);
        command.SetAction(Guarded.Action("demo", async (parse, cancellationToken) =>
        {
            var peerCount = parse.GetValue(peers);
            var satelliteCount = parse.GetValue(satellites);
            if (peerCount is < 1 or > Halon.Core.Limits.PeersMax)
            {
                throw new UsageException($"--peers {peerCount} is not in 1..{Halon.Core.Limits.PeersMax}");
            }

            if (satelliteCount is < 0 or > SatellitesMax)
            {
                throw new UsageException($"--satellites {satelliteCount} is not in 0..{SatellitesMax}");
            }

            HalondLauncher launcher;
            try
            {
                launcher = HalondLauncher.Find(parse.GetValue(halond));
            }
            catch (FileNotFoundException e)
            {
                await Console.Error.WriteLineAsync($"halonctl demo: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            return await new DemoRunner(peerCount, satelliteCount, launcher, Console.Out).RunAsync(cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }
}
