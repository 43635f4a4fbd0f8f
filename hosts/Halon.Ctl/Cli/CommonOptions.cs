using System.CommandLine;
using Halon.Ctl.Addressing;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Cli;

/// <summary>The options several commands share, and how their values are checked.</summary>
internal static class CommonOptions
{
    /// <summary>The environment variable that names the cluster key file when <c>--cluster-key-file</c> is not given.</summary>
    public const string ClusterKeyFileVariable = SecurityFlags.ClusterKeyFileVariable;

    /// <summary>The cluster key option; <see cref="SecurityOptions"/> adds it with the key roll's and TLS's and loads them together.</summary>
    public static Option<string?> ClusterKeyFile() => new("--cluster-key-file")
    {
        Description = $"The cluster key that halond was started with (default: ${ClusterKeyFileVariable}). Needed unless the nodes run without a key.",
        HelpName = "FILE",
    };

    public static Option<bool> Json(string description) => new("--json") { Description = description };

    public static Option<string> Timeout(string defaultValue, string description) => new("--timeout")
    {
        Description = description + " (e.g. 500ms, 30s, 2m)",
        DefaultValueFactory = _ => defaultValue,
        HelpName = "DURATION",
    };

    public static TimeSpan ParseTimeout(string text) => Durations.Parse(text, "--timeout");

    public static int CheckPort(int port, string optionName) =>
        port is >= 1 and <= 65535 ? port : throw new UsageException($"{optionName} {port} is not a port in 1..65535");
}
