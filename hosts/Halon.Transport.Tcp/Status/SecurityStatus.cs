namespace Halon.Transport.Tcp;

/// <summary>How a node protects its connections.</summary>
/// <param name="Mode"><c>insecure</c>, <c>cluster-key</c> or <c>tls</c>.</param>
/// <param name="Keys">The keys it holds (current first), or the CAs it trusts.</param>
/// <param name="Certificate">TLS mode: its certificate's subject, names and expiry; else null.</param>
/// <param name="CertificateNotAfter">TLS mode: when its certificate expires; else null.</param>
public sealed record SecurityStatus(string Mode, IReadOnlyList<KeyStatus> Keys, string? Certificate, DateTimeOffset? CertificateNotAfter)
{
    /// <summary>The status of <paramref name="security"/>.</summary>
    public static SecurityStatus Of(TransportSecurity security)
    {
        ArgumentNullException.ThrowIfNull(security);
        var keys = new List<KeyStatus>();
        if (security.Keys is { } clusterKeys)
        {
            keys.Add(new KeyStatus(clusterKeys.CurrentId, "current"));
            if (clusterKeys.NextId is { } next)
            {
                keys.Add(new KeyStatus(next, "next"));
            }
        }

        if (security.Tls is { } tls)
        {
            keys.AddRange(tls.AuthorityIds.Select(id => new KeyStatus(id, "ca")));
            return new SecurityStatus(security.Mode.Name(), keys, tls.Describe(), new DateTimeOffset(tls.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        }

        return new SecurityStatus(security.Mode.Name(), keys, null, null);
    }
}
