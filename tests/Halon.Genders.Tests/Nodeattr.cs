using System.Diagnostics;

namespace Halon.Genders.Tests;

/// <summary>
/// Runs the real <c>nodeattr</c> from Debian's genders package, the reference these tests compare against.
/// A missing binary fails the test rather than skipping it, so that CI cannot pass without the comparison.
/// </summary>
internal static class Nodeattr
{
    private const int RunTimeoutMilliseconds = 30_000;

    private static readonly Lazy<string?> s_path = new(Find);

    public static async Task<NodeattrResult> RunAsync(string gendersPath, params string[] arguments)
    {
        var path = s_path.Value;
        if (path is null)
        {
            Assert.Fail("nodeattr is not installed, and these tests compare against it: run `apt-get install genders`.");
        }

        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.ArgumentList.Add("-f");
        startInfo.ArgumentList.Add(gendersPath);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {path}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeoutMilliseconds);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"nodeattr {string.Join(' ', startInfo.ArgumentList)} did not finish in {RunTimeoutMilliseconds} ms");
        }

        return new NodeattrResult(process.ExitCode, await output, await error);
    }

    private static string? Find()
    {
        var searchPath = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var directories = searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"]);
        return directories.Select(directory => Path.Combine(directory, "nodeattr")).FirstOrDefault(File.Exists);
    }
}
