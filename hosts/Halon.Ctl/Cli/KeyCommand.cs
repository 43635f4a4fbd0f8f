using System.CommandLine;
using System.Security.Cryptography;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Cli;

/// <summary>
/// <c>halonctl key generate FILE</c> and <c>halonctl key id FILE...</c>: make a cluster key, and name keys by their id
/// (the id that <c>halonctl status</c> shows for each connection) without showing them.
/// </summary>
internal static class KeyCommand
{
    public static Command Create()
    {
        var command = new Command("key", "Make a cluster key, or print the id of key files (the ids status shows; never the keys).");
        command.Subcommands.Add(Generate());
        command.Subcommands.Add(Id());
        return command;
    }

    private static Command Generate()
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the new key (64 hex digits, mode 0600). It must not exist." };
        var command = new Command("generate", "Write a new random 256-bit cluster key and print its id.");
        command.Arguments.Add(file);
        command.SetAction(Guarded.Action("key generate", async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            var key = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                await using (var stream = new FileStream(path, options))
                {
                    await stream.WriteAsync(key, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (IOException) when (File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"halonctl key generate: {path} exists; it is left alone (remove it first to make a new key)").ConfigureAwait(false);
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"halonctl key generate: cannot write {path}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync($"{path}: key {ClusterKey.Id(ClusterKey.Load(path))}").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Id()
    {
        var files = new Argument<string[]>("FILE") { Description = "Cluster key files.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("id", "Print the id of each key file, as status and the logs show it.");
        command.Arguments.Add(files);
        command.SetAction(Guarded.Action("key id", async (parse, cancellationToken) =>
        {
            foreach (var path in parse.GetValue(files)!)
            {
                try
                {
                    await Console.Out.WriteLineAsync($"{path}: key {ClusterKey.Id(ClusterKey.Load(path))}").ConfigureAwait(false);
                }
                catch (ClusterKeyException e)
                {
                    throw new UsageException(e.Message, e);
                }
            }

            return 0;
        }));
        return command;
    }
}
