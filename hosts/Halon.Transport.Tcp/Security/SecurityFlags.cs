namespace Halon.Transport.Tcp;

/// <summary>
/// The security options of <c>halond</c> and <c>halonctl</c>, as given (a file path or null each), and how they turn
/// into a <see cref="TransportSecurity"/>. Each path may also come from an environment variable. Contradictions are
/// refused with a message naming both sources: a node uses a cluster key or TLS, never both, and <c>--insecure</c>
/// excludes both.
/// </summary>
/// <param name="ClusterKeyFile"><c>--cluster-key-file</c>: the key in use.</param>
/// <param name="ClusterKeyFileNext"><c>--cluster-key-file-next</c>: the key being rolled out, accepted and preferred alongside it.</param>
/// <param name="TlsCertificate"><c>--tls-cert</c>: this side's certificate (PEM, optionally followed by intermediates).</param>
/// <param name="TlsKey"><c>--tls-key</c>: its private key (PEM).</param>
/// <param name="TlsAuthorities"><c>--tls-ca</c>: the CA certificates to trust (PEM; two during a CA roll).</param>
/// <param name="Insecure"><c>--insecure</c>: run without either, knowingly.</param>
public sealed record SecurityFlags(string? ClusterKeyFile, string? ClusterKeyFileNext, string? TlsCertificate, string? TlsKey, string? TlsAuthorities, bool Insecure)
{
    /// <summary>The environment variable read when <c>--cluster-key-file</c> is absent.</summary>
    public const string ClusterKeyFileVariable = "HALON_CLUSTER_KEY_FILE";

    /// <summary>The environment variable read when <c>--cluster-key-file-next</c> is absent.</summary>
    public const string ClusterKeyFileNextVariable = "HALON_CLUSTER_KEY_FILE_NEXT";

    /// <summary>The environment variable read when <c>--tls-cert</c> is absent.</summary>
    public const string TlsCertificateVariable = "HALON_TLS_CERT";

    /// <summary>The environment variable read when <c>--tls-key</c> is absent.</summary>
    public const string TlsKeyVariable = "HALON_TLS_KEY";

    /// <summary>The environment variable read when <c>--tls-ca</c> is absent.</summary>
    public const string TlsAuthoritiesVariable = "HALON_TLS_CA";

    /// <summary>Every environment variable these options read; a program that starts halond for itself removes them.</summary>
    public static IReadOnlyList<string> Variables { get; } =
        [ClusterKeyFileVariable, ClusterKeyFileNextVariable, TlsCertificateVariable, TlsKeyVariable, TlsAuthoritiesVariable];

    /// <summary>
    /// Loads what the options name. <paramref name="usages"/> are the key usages this side's certificate needs (see
    /// <see cref="TlsCredentials.Load"/>). Returns the security (insecure when nothing is given) and warnings to show.
    /// </summary>
    /// <exception cref="SecurityFlagsException">A contradiction, an incomplete set of TLS options, or a file that cannot be used; the message is one line.</exception>
    public (TransportSecurity Security, IReadOnlyList<string> Warnings) Load(Func<string, string?> environment, IReadOnlyList<string> usages)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(usages);
        var key = Source("--cluster-key-file", ClusterKeyFile, ClusterKeyFileVariable, environment);
        var next = Source("--cluster-key-file-next", ClusterKeyFileNext, ClusterKeyFileNextVariable, environment);
        var certificate = Source("--tls-cert", TlsCertificate, TlsCertificateVariable, environment);
        var privateKey = Source("--tls-key", TlsKey, TlsKeyVariable, environment);
        var authorities = Source("--tls-ca", TlsAuthorities, TlsAuthoritiesVariable, environment);
        var keyed = new[] { key, next }.Where(s => s is not null).Select(s => s!).ToList();
        var tls = new[] { certificate, privateKey, authorities }.Where(s => s is not null).Select(s => s!).ToList();

        if (Insecure && keyed.Concat(tls).FirstOrDefault() is { } given)
        {
            throw new SecurityFlagsException(given.FromEnvironment
                ? $"--insecure contradicts {given.Name}; unset one of them"
                : $"{given.Flag} and --insecure exclude each other; give one");
        }

        if (keyed.Count > 0 && tls.Count > 0)
        {
            throw new SecurityFlagsException(
                $"{keyed[0].Name} and {tls[0].Name} exclude each other: a cluster uses a cluster key or TLS, not both (see the operations guide, \"Security\"); {(keyed[0].FromEnvironment || tls[0].FromEnvironment ? "unset one of them" : "give one")}");
        }

        if (tls.Count > 0)
        {
            var missing = new[] { ("--tls-cert", certificate), ("--tls-key", privateKey), ("--tls-ca", authorities) }.Where(p => p.Item2 is null).Select(p => p.Item1).ToList();
            if (missing.Count > 0)
            {
                throw new SecurityFlagsException($"{tls[0].Name} needs {string.Join(" and ", missing)} too: TLS takes this side's certificate, its private key and the CA file");
            }

            try
            {
                var credentials = TlsCredentials.Load(certificate!.Path, privateKey!.Path, authorities!.Path, usages);
                return (TransportSecurity.WithTls(credentials), credentials.Warnings);
            }
            catch (TlsCredentialsException e)
            {
                throw new SecurityFlagsException(e.Message, e);
            }
        }

        if (next is not null && key is null)
        {
            throw new SecurityFlagsException($"{next.Name} needs --cluster-key-file too: the next key is rolled out alongside the key in use");
        }

        if (key is null)
        {
            return (TransportSecurity.Insecure, []);
        }

        var warnings = new List<string>();
        var current = LoadKey(key, warnings);
        var upcoming = next is null ? null : LoadKey(next, warnings);
        var keys = new ClusterKeys(current, upcoming);
        if (keys.NextIsCurrent)
        {
            warnings.Add($"{next!.Name} {next.Path} holds the same key as {key.Name} {key.Path} (key {keys.CurrentId}); drop it once the roll is over");
        }

        return (TransportSecurity.WithKeys(keys), warnings);
    }

    private static byte[] LoadKey(Given given, List<string> warnings)
    {
        try
        {
            var key = ClusterKey.Load(given.Path);
            if (Security.SecretFiles.Warning("cluster key file", given.Path) is { } warning)
            {
                warnings.Add(warning);
            }

            return key;
        }
        catch (ClusterKeyException e)
        {
            throw new SecurityFlagsException(given.FromEnvironment ? $"${given.Variable}: {e.Message}" : e.Message, e);
        }
    }

    private static Given? Source(string flag, string? value, string variable, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(value))
        {
            return new Given(flag, value, variable, FromEnvironment: false);
        }

        return environment(variable) is { Length: > 0 } fromEnvironment ? new Given(flag, fromEnvironment, variable, FromEnvironment: true) : null;
    }

    /// <summary>One option with its value and where it came from.</summary>
    private sealed record Given(string Flag, string Path, string Variable, bool FromEnvironment)
    {
        /// <summary>How a message names it: the flag, or the variable with its value.</summary>
        public string Name => FromEnvironment ? $"{Variable}={Path}" : Flag;
    }
}
