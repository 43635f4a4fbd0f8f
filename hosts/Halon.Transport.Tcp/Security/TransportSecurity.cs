using System.Security.Cryptography;

namespace Halon.Transport.Tcp;

/// <summary>
/// How one side protects its connections: no protection, the cluster key (one or two keys during a roll), or mutual
/// TLS. The two protected modes exclude each other (see <c>docs/operations.md</c>, "Security").
/// </summary>
public sealed class TransportSecurity
{
    private TransportSecurity(SecurityMode mode, ClusterKeys? keys, TlsCredentials? tls)
    {
        Mode = mode;
        Keys = keys;
        Tls = tls;
    }

    /// <summary>No authentication, no encryption.</summary>
    public static TransportSecurity Insecure { get; } = new(SecurityMode.Insecure, null, null);

    /// <summary>The mode.</summary>
    public SecurityMode Mode { get; }

    /// <summary>The cluster keys in <see cref="SecurityMode.ClusterKey"/> mode, else null.</summary>
    public ClusterKeys? Keys { get; }

    /// <summary>The certificates in <see cref="SecurityMode.Tls"/> mode, else null.</summary>
    public TlsCredentials? Tls { get; }

    /// <summary>Cluster-key mode with <paramref name="keys"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">This system's crypto library has no AES-GCM.</exception>
    public static TransportSecurity WithKeys(ClusterKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!AesGcm.IsSupported)
        {
            throw new PlatformNotSupportedException("this system's crypto library (OpenSSL) provides no AES-GCM, which sealed frames need");
        }

        return new TransportSecurity(SecurityMode.ClusterKey, keys, null);
    }

    /// <summary>Cluster-key mode with one key, or <see cref="Insecure"/> when <paramref name="key"/> is null.</summary>
    public static TransportSecurity WithKey(byte[]? key) => key is null ? Insecure : WithKeys(new ClusterKeys(key));

    /// <summary>Mutual TLS with <paramref name="credentials"/>.</summary>
    public static TransportSecurity WithTls(TlsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new TransportSecurity(SecurityMode.Tls, null, credentials);
    }

    /// <summary>For logs: <c>cluster key 1a2b... (next ...)</c>, <c>TLS 1.3 as CN=... (CA ...)</c>, or <c>no authentication</c>.</summary>
    public string Describe() => Mode switch
    {
        SecurityMode.ClusterKey => "cluster " + Keys!.Describe() + ", frames sealed with AES-256-GCM",
        SecurityMode.Tls => $"mutual TLS 1.3 as {Tls!.Describe()}, trusting CA {string.Join(", ", Tls.AuthorityIds)}",
        _ => "no authentication and no encryption",
    };
}
