using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Halon.Core.Identity;

namespace Halon.Transport.Tcp.Security;

/// <summary>
/// The subject alternative names of a certificate, and the rule that ties a node id to them. A certificate names the
/// node <c>host:port</c> when it carries the URI <c>halon://host:port</c> (as <c>halonctl certs</c> writes them); a
/// certificate with no <c>halon://</c> URI at all (one from a site's own PKI) names it when its DNS names or IP
/// addresses include the host. There are no wildcards.
/// </summary>
internal sealed class CertificateNames
{
    /// <summary>The scheme of the URIs that name node ids exactly.</summary>
    public const string UriScheme = "halon://";

    private static readonly Asn1Tag s_dnsTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag s_uriTag = new(TagClass.ContextSpecific, 6);
    private static readonly Asn1Tag s_ipTag = new(TagClass.ContextSpecific, 7);

    private CertificateNames(List<string> dns, List<IPAddress> addresses, List<string> uris)
    {
        Dns = dns;
        Addresses = addresses;
        Uris = uris;
    }

    public IReadOnlyList<string> Dns { get; }

    public IReadOnlyList<IPAddress> Addresses { get; }

    public IReadOnlyList<string> Uris { get; }

    /// <summary>Reads the names of <paramref name="certificate"/>; an unreadable extension gives no names.</summary>
    public static CertificateNames Of(X509Certificate2 certificate)
    {
        var dns = new List<string>();
        var addresses = new List<IPAddress>();
        var uris = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17")
            {
                continue;
            }

            try
            {
                var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
                while (names.HasData)
                {
                    var tag = names.PeekTag();
                    if (tag.HasSameClassAndValue(s_dnsTag))
                    {
                        dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, s_dnsTag));
                    }
                    else if (tag.HasSameClassAndValue(s_uriTag))
                    {
                        uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, s_uriTag));
                    }
                    else if (tag.HasSameClassAndValue(s_ipTag))
                    {
                        // 4 or 16 bytes; anything else is not an address and names nothing.
                        if (names.ReadOctetString(s_ipTag) is { Length: 4 or 16 } address)
                        {
                            addresses.Add(new IPAddress(address));
                        }
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (Exception e) when (e is AsnContentException or CryptographicException)
            {
                // A malformed extension names nothing; the certificate then names no node.
            }
        }

        return new CertificateNames(dns, addresses, uris);
    }

    /// <summary>Whether these names name the node <paramref name="id"/> (see the class summary).</summary>
    public bool Name(NodeId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var exact = Uris.Where(u => u.StartsWith(UriScheme, StringComparison.OrdinalIgnoreCase)).ToList();
        if (exact.Count > 0)
        {
            // A URI may come back with the empty path written as "/" (halon://ts01:9070/); that is the same name.
            return exact.Any(u => string.Equals(u[UriScheme.Length..].TrimEnd('/'), id.Value, StringComparison.OrdinalIgnoreCase));
        }

        var host = id.Host.StartsWith('[') && id.Host.EndsWith(']') ? id.Host[1..^1] : id.Host;
        return IPAddress.TryParse(host, out var address)
            ? Addresses.Any(a => a.Equals(address))
            : Dns.Any(d => string.Equals(d, host, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary><c>DNS:ts01, IP:10.0.0.1, URI:halon://ts01:9070</c>, or <c>no names</c>.</summary>
    public override string ToString()
    {
        var all = Dns.Select(d => "DNS:" + d).Concat(Addresses.Select(a => "IP:" + a)).Concat(Uris.Select(u => "URI:" + u)).ToList();
        return all.Count == 0 ? "no names" : string.Join(", ", all);
    }
}
