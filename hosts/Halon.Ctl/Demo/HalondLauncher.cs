using System.Diagnostics;

namespace Halon.Ctl.Demo;

/// <summary>
/// How to start <c>halond</c>: a native executable, or <c>halond.dll</c> under the <c>dotnet</c> host. Found next to
/// halonctl's own executable (a publish directory or a shared build output), else in the sibling build output
/// <c>hosts/Halon.Daemon/bin/&lt;Config&gt;/net10.0/halond.dll</c> of a source checkout.
/// </summary>
/// <param name="FileName">The program to run.</param>
/// <param name="LeadingArguments">Arguments that come before halond's own (the dll path under <c>dotnet</c>).</param>
internal sealed record HalondLauncher(string FileName, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>The environment variable that points at a halond executable or halond.dll, overriding the search.</summary>
    public const string OverrideVariable = "HALON_HALOND";

    /// <summary>The command line, for messages.</summary>
    public string Display => string.Join(' ', LeadingArguments.Prepend(FileName));

    /// <summary>A launcher for an explicit path: a <c>.dll</c> runs under <c>dotnet</c>.</summary>
    public static HalondLauncher ForPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new HalondLauncher(DotnetHost(), [full])
            : new HalondLauncher(full, []);
    }

    /// <summary>Finds halond, or explains where it looked and how to build it.</summary>
    /// <exception cref="FileNotFoundException">No halond was found; the message lists the places tried.</exception>
    public static HalondLauncher Find(string? explicitPath = null)
    {
        explicitPath ??= Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath)
                ? ForPath(explicitPath)
                : throw new FileNotFoundException($"halond not found at {explicitPath}");
        }

        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            tried.Add(candidate);
            if (File.Exists(candidate))
            {
                return ForPath(candidate);
            }
        }

        throw new FileNotFoundException(
            "halond not found. Build it with 'dotnet build hosts/Halon.Daemon' (or publish it next to halonctl), " +
            $"or point {OverrideVariable} at it. Looked for: {string.Join(", ", tried.Distinct())}");
    }

    private static IEnumerable<string> Candidates()
    {
        var own = AppContext.BaseDirectory;
        // Next to halonctl: a native publish puts halond there; a framework-dependent one has halond.dll.
        if (!OperatingSystem.IsWindows())
        {
            yield return Path.Combine(own, "halond");
        }

        yield return Path.Combine(own, "halond.exe");
        yield return Path.Combine(own, "halond.dll");

        // A source checkout: halonctl runs from hosts/Halon.Ctl/bin/<Config>/net10.0[/rid[/publish]]; halond is built
        // to hosts/Halon.Daemon/bin/<Config>/net10.0. Prefer the configuration halonctl itself was built in.
        var configurations = own.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? new[] { "Release", "Debug" }
            : new[] { "Debug", "Release" };
        for (var directory = new DirectoryInfo(own); directory is not null; directory = directory.Parent)
        {
            foreach (var hosts in new[] { directory.FullName, Path.Combine(directory.FullName, "hosts") })
            {
                var daemon = Path.Combine(hosts, "Halon.Daemon");
                if (!Directory.Exists(daemon))
                {
                    continue;
                }

                foreach (var configuration in configurations)
                {
                    yield return Path.Combine(daemon, "bin", configuration, "net10.0", "halond.dll");
                }
            }
        }
    }

    /// <summary>The dotnet host: the one running this process if any, else <c>DOTNET_HOST_PATH</c>, else <c>dotnet</c> on PATH.</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>A start description with halond's own <paramref name="arguments"/> after the leading ones.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var argument in LeadingArguments.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        // The daemon must not inherit a key or certificate meant for some other cluster: the demo runs on loopback without one.
        foreach (var variable in Halon.Transport.Tcp.SecurityFlags.Variables)
        {
            info.Environment.Remove(variable);
        }
        return info;
    }
}
