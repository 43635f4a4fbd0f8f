using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Halon.Core.Identity;
using Halon.Transport.Tcp.Security;

namespace Halon.Transport.Tcp;

/// <summary>
/// Makes the certificates of a Halon cluster with the BCL's <see cref="CertificateRequest"/>: a CA, node certificates
/// that name their nodes (a DNS name or IP address for the host, and one <c>halon://host:port</c> URI per node id on
/// that host), and client certificates for halonctl. Keys are ECDSA P-256, signatures SHA-256.
/// </summary>
public static class CertificateFactory
{
    /// <summary>A self-signed CA that may sign end-entity certificates only (path length 0).</summary>
    public static X509Certificate2 CreateAuthority(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>
    /// A node certificate for <paramref name="host"/>, naming every id in <paramref name="ids"/> (all on that host), good
    /// for both listening and dialling. Its validity is cut to the CA's.
    /// </summary>
    public static X509Certificate2 CreateNode(X509Certificate2 authority, string host, IEnumerable<NodeId> ids, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentNullException.ThrowIfNull(ids);
        // The names are written with AsnWriter rather than SubjectAlternativeNameBuilder, whose URIs come out
        // normalised with a trailing "/" (halon://ts01:9070/): the certificate should carry the node id as written.
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            if (IPAddress.TryParse(bare, out var address))
            {
                writer.WriteOctetString(address.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
            }
            else
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, Ascii(bare), new Asn1Tag(TagClass.ContextSpecific, 2));
            }

            foreach (var id in ids)
            {
                if (!string.Equals(id.Host, host, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"node id {id} is not on host {host}", nameof(ids));
                }

                writer.WriteCharacterString(UniversalTagNumber.IA5String, Ascii(CertificateNames.UriScheme + id.Value), new Asn1Tag(TagClass.ContextSpecific, 6));
            }
        }

        var names = new X509Extension("2.5.29.17", writer.Encode(), critical: false);
        return Issue(authority, "CN=" + bare, names, [TlsCredentials.ServerAuthentication, TlsCredentials.ClientAuthentication], notBefore, notAfter);
    }

    /// <summary>A client certificate (for halonctl): no names, good for dialling only.</summary>
    public static X509Certificate2 CreateClient(X509Certificate2 authority, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Issue(authority, "CN=" + name, null, [TlsCredentials.ClientAuthentication], notBefore, notAfter);
    }

    /// <summary>
    /// Writes <paramref name="certificate"/> as PEM to <paramref name="certificateFile"/> (mode 0644) and its private
    /// key as PKCS#8 PEM to <paramref name="keyFile"/> (mode 0600). Neither file may exist yet.
    /// </summary>
    public static void Write(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("the certificate has no ECDSA private key", nameof(certificate));
        WriteNew(keyFile, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteNew(certificateFile, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>Whether <paramref name="certificate"/> names the node <paramref name="id"/>, by the rule nodes check each other with.</summary>
    public static bool NamesNode(X509Certificate2 certificate, NodeId id)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return CertificateNames.Of(certificate).Name(id);
    }

    /// <summary>The certificate's names, for messages: <c>DNS:ts01, URI:halon://ts01:9070</c>.</summary>
    public static string DescribeNames(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return CertificateNames.Of(certificate).ToString();
    }

    /// <summary>Whether <paramref name="certificate"/> verifies against <paramref name="authority"/> alone, now.</summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        return chain.Build(certificate);
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string subject, X509Extension? names, string[] usages, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usageOids = new OidCollection();
        foreach (var usage in usages)
        {
            usageOids.Add(new Oid(usage));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usageOids, critical: false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // A positive serial number.
        var caNotBefore = new DateTimeOffset(authority.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var caNotAfter = new DateTimeOffset(authority.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var issued = request.Create(
            authority,
            notBefore < caNotBefore ? caNotBefore : notBefore,
            notAfter > caNotAfter ? caNotAfter : notAfter,
            serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static string Ascii(string name) =>
        name.All(char.IsAscii) ? name : throw new ArgumentException($"'{name}' is not ASCII; certificate names must be (use the host's punycode form)", nameof(name));

    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(text);
    }
}
