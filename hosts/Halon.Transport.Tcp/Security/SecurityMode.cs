namespace Halon.Transport.Tcp;

/// <summary>
/// How a node protects its connections. Both sides of a connection must use the same mode; there is no negotiation,
/// so nobody on the network can talk two nodes down to a weaker one. The value is the byte that ends the opening.
/// </summary>
public enum SecurityMode : byte
{
    /// <summary>No authentication and no encryption (<c>--insecure</c>, or loopback without a key).</summary>
    Insecure = 0,

    /// <summary>The shared cluster key: a proof in the handshake, then every frame sealed with AES-256-GCM.</summary>
    ClusterKey = 1,

    /// <summary>Mutual TLS 1.3 with certificates from the cluster's CA.</summary>
    Tls = 2,
}

/// <summary>How modes are written in status, logs and messages.</summary>
public static class SecurityModeText
{
    /// <summary><c>insecure</c>, <c>cluster-key</c> or <c>tls</c>, as in <c>halonctl status --json</c>.</summary>
    public static string Name(this SecurityMode mode) => mode switch
    {
        SecurityMode.ClusterKey => "cluster-key",
        SecurityMode.Tls => "tls",
        _ => "insecure",
    };

    /// <summary>What a side in this mode does, for messages: <c>uses a cluster key</c>.</summary>
    internal static string Practice(this SecurityMode mode) => mode switch
    {
        SecurityMode.ClusterKey => "uses a cluster key",
        SecurityMode.Tls => "uses TLS",
        _ => "runs without a cluster key or TLS",
    };
}
