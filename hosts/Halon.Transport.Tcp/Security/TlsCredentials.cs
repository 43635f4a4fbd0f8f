using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Halon.Core.Identity;
using Halon.Transport.Tcp.Security;

namespace Halon.Transport.Tcp;

/// <summary>
/// What a node or halonctl needs for mutual TLS: its certificate with the private key (and any intermediate CA
/// certificates sent along with it), and the CA certificates it trusts. During a CA roll the CA file holds both the
/// old and the new CA. Loading checks everything that can be checked alone, so that a mistake is a clear error at
/// start rather than a refused connection later.
/// </summary>
public sealed class TlsCredentials : IDisposable
{
    /// <summary>Object id of the server-authentication extended key usage.</summary>
    internal const string ServerAuthentication = TlsUsage.Server;

    /// <summary>Object id of the client-authentication extended key usage.</summary>
    internal const string ClientAuthentication = TlsUsage.Client;

    private TlsCredentials(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        Intermediates = intermediates;
        Authorities = authorities;
        AuthorityIds = authorities.Select(AuthorityId).ToArray();
        Names = CertificateNames.Of(certificate);
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>This side's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate CA certificates sent with <see cref="Certificate"/>.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>The CAs trusted to issue the other side's certificate.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>The ids of <see cref="Authorities"/>, in order (see <see cref="AuthorityId"/>).</summary>
    public IReadOnlyList<string> AuthorityIds { get; }

    /// <summary>Warnings to log at start (a private key file that others can read), or none.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>The certificate's subject alternative names.</summary>
    internal CertificateNames Names { get; }

    internal SslStreamCertificateContext Context { get; }

    /// <summary>For logs and status: subject, names and expiry.</summary>
    public string Describe() =>
        $"{Certificate.Subject} ({Names}), expires {Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    /// <summary>Whether this side's certificate names the node <paramref name="id"/> (see <c>docs/operations.md</c>).</summary>
    public bool NamesNode(NodeId id) => Names.Name(id);

    /// <summary>A CA's id: 16 hex digits of the SHA-256 of its certificate, as <c>openssl x509 -fingerprint -sha256</c> begins.</summary>
    public static string AuthorityId(X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        return Convert.ToHexStringLower(SHA256.HashData(authority.RawData).AsSpan(0, WireProtocol.KeyIdBytes));
    }

    /// <summary>
    /// Loads PEM files: the certificate (optionally followed by intermediate CA certificates), its private key, and the
    /// trusted CA certificates. <paramref name="usages"/> are the extended key usages this side needs
    /// (<c>1.3.6.1.5.5.7.3.1</c> to listen, <c>1.3.6.1.5.5.7.3.2</c> to dial).
    /// </summary>
    /// <exception cref="TlsCredentialsException">A file is missing or unusable, or the certificate is not valid now or not issued by a CA of the CA file.</exception>
    public static TlsCredentials Load(string certificateFile, string keyFile, string authorityFile, IReadOnlyList<string> usages)
    {
        ArgumentNullException.ThrowIfNull(certificateFile);
        ArgumentNullException.ThrowIfNull(keyFile);
        ArgumentNullException.ThrowIfNull(authorityFile);
        ArgumentNullException.ThrowIfNull(usages);
        RequireFile(certificateFile, "certificate");
        RequireFile(keyFile, "private key");
        RequireFile(authorityFile, "CA");
        X509Certificate2 certificate;
        var intermediates = new X509Certificate2Collection();
        var authorities = new X509Certificate2Collection();
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(certificateFile);
            foreach (var extra in all.Skip(1))
            {
                intermediates.Add(extra);
            }

            authorities.ImportFromPemFile(authorityFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new TlsCredentialsException($"cannot load certificate {certificateFile} with private key {keyFile} and CA {authorityFile}: {e.Message}", e);
        }

        if (authorities.Count == 0)
        {
            throw new TlsCredentialsException($"CA file {authorityFile} holds no PEM certificate");
        }

        var credentials = Create(certificate, authorities, intermediates, usages, $"certificate {certificateFile}", $"CA file {authorityFile}");
        credentials.Warnings = SecretFiles.Warning("private key file", keyFile) is { } warning ? [warning] : [];
        return credentials;
    }

    /// <summary>Credentials from certificates in memory (the certificate must hold its private key); checked as <see cref="Load"/> does.</summary>
    /// <exception cref="TlsCredentialsException">The certificate is not valid now or not issued by one of <paramref name="authorities"/>.</exception>
    public static TlsCredentials Create(
        X509Certificate2 certificate,
        X509Certificate2Collection authorities,
        X509Certificate2Collection? intermediates = null,
        IReadOnlyList<string>? usages = null,
        string certificateName = "the certificate",
        string authorityName = "the CA file")
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authorities);
        intermediates ??= [];
        if (!certificate.HasPrivateKey)
        {
            throw new TlsCredentialsException($"{certificateName} comes without its private key");
        }

        var now = DateTime.UtcNow;
        if (certificate.NotAfter.ToUniversalTime() < now)
        {
            throw new TlsCredentialsException($"{certificateName} ({certificate.Subject}) expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; make a new one (halonctl certs)");
        }

        if (certificate.NotBefore.ToUniversalTime() > now)
        {
            throw new TlsCredentialsException($"{certificateName} ({certificate.Subject}) is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; check this host's clock");
        }

        var credentials = new TlsCredentials(certificate, intermediates, authorities);
        foreach (var usage in usages ?? [])
        {
            using var chain = credentials.NewChain(usage);
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
            if (!chain.Build(certificate))
            {
                throw new TlsCredentialsException(
                    $"{certificateName} ({certificate.Subject}) does not verify against the CAs of {authorityName} for {UsageName(usage)}: {DescribeChain(chain)}");
            }
        }

        return credentials;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Intermediates.Concat(Authorities))
        {
            certificate.Dispose();
        }
    }

    /// <summary>The chain policy that accepts exactly the certificates our CAs issued, for one key usage, without revocation checks.</summary>
    internal X509ChainPolicy ChainPolicy(string usage)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(Authorities);
        policy.ApplicationPolicy.Add(new Oid(usage));
        return policy;
    }

    /// <summary>Why a chain did not build, in words.</summary>
    internal static string DescribeChain(X509Chain chain)
    {
        var problems = chain.ChainStatus
            .Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => s.Status switch
            {
                X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "not issued by a trusted CA",
                X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
                X509ChainStatusFlags.NotValidForUsage => "not valid for this key usage",
                _ => s.StatusInformation.Trim(),
            })
            .Distinct()
            .ToList();
        return problems.Count == 0 ? "the chain does not verify" : string.Join("; ", problems);
    }

    internal static string UsageName(string usage) => usage switch
    {
        ServerAuthentication => "server authentication (serverAuth)",
        ClientAuthentication => "client authentication (clientAuth)",
        _ => usage,
    };

    private X509Chain NewChain(string usage) => new() { ChainPolicy = ChainPolicy(usage) };

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new TlsCredentialsException(Directory.Exists(path) ? $"{what} file {path} is a directory" : $"{what} file {path} does not exist");
        }
    }
}
