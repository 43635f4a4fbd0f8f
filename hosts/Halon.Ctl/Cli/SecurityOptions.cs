using System.CommandLine;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Cli;

/// <summary>
/// The options that say how halonctl authenticates to the nodes: the cluster key (two during a key roll) or a TLS
/// client certificate of the cluster's CA, each also from the environment. They must match the nodes' mode.
/// </summary>
internal sealed class SecurityOptions
{
    public Option<string?> ClusterKeyFile { get; } = CommonOptions.ClusterKeyFile();

    public Option<string?> ClusterKeyFileNext { get; } = new("--cluster-key-file-next")
    {
        Description = $"During a key roll: the new cluster key, offered before --cluster-key-file (default: ${SecurityFlags.ClusterKeyFileNextVariable}).",
        HelpName = "FILE",
    };

    public Option<string?> TlsCert { get; } = new("--tls-cert")
    {
        Description = $"For nodes that use TLS: a client certificate of the cluster's CA, PEM (default: ${SecurityFlags.TlsCertificateVariable}; see 'halonctl certs').",
        HelpName = "FILE",
    };

    public Option<string?> TlsKey { get; } = new("--tls-key") { Description = $"The private key of --tls-cert, PEM (default: ${SecurityFlags.TlsKeyVariable}).", HelpName = "FILE" };

    public Option<string?> TlsCa { get; } = new("--tls-ca") { Description = $"The CA certificates to trust, PEM (default: ${SecurityFlags.TlsAuthoritiesVariable}).", HelpName = "FILE" };

    public void AddTo(Command command)
    {
        command.Options.Add(ClusterKeyFile);
        command.Options.Add(ClusterKeyFileNext);
        command.Options.Add(TlsCert);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsCa);
    }

    /// <summary>Loads what the options (or the environment) name.</summary>
    /// <exception cref="UsageException">Contradicting or incomplete options, or a file that cannot be used.</exception>
    public TransportSecurity Load(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            var (security, warnings) = Flags(parse).Load(Environment.GetEnvironmentVariable, [TlsUsage.Client]);
            foreach (var warning in warnings)
            {
                Console.Error.WriteLine($"halonctl: warning: {warning}");
            }

            return security;
        }
        catch (SecurityFlagsException e)
        {
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>The options as given on the command line, to repeat them in printed commands.</summary>
    public IReadOnlyList<string> Arguments(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var arguments = new List<string>();
        foreach (var option in new[] { ClusterKeyFile, ClusterKeyFileNext, TlsCert, TlsKey, TlsCa })
        {
            if (parse.GetValue(option) is { Length: > 0 } value)
            {
                arguments.Add(option.Name);
                arguments.Add(value);
            }
        }

        return arguments;
    }

    private SecurityFlags Flags(ParseResult parse) => new(
        parse.GetValue(ClusterKeyFile),
        parse.GetValue(ClusterKeyFileNext),
        parse.GetValue(TlsCert),
        parse.GetValue(TlsKey),
        parse.GetValue(TlsCa),
        Insecure: false);
}
