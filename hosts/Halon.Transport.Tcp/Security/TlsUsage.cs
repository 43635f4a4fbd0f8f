namespace Halon.Transport.Tcp;

/// <summary>The extended key usages a certificate needs: a node's for both, halonctl's for <see cref="Client"/>.</summary>
public static class TlsUsage
{
    /// <summary>serverAuth: to accept connections.</summary>
    public const string Server = "1.3.6.1.5.5.7.3.1";

    /// <summary>clientAuth: to dial.</summary>
    public const string Client = "1.3.6.1.5.5.7.3.2";
}
