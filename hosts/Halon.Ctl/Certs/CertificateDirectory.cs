using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Certs;

/// <summary>
/// A directory of a cluster's certificates, as <c>halonctl certs</c> keeps it: <c>ca.crt</c> and <c>ca.key</c>, one
/// <c>HOST.crt</c> and <c>HOST.key</c> per host, and <c>halonctl.crt</c> and <c>halonctl.key</c>. Making it is
/// idempotent: what exists and fits is kept, what is missing is made, and a file that exists but does not fit (another
/// CA, a missing name) is reported and left alone.
/// </summary>
internal sealed class CertificateDirectory
{
    /// <summary>The name of the CA's files, and of halonctl's client certificate.</summary>
    public const string AuthorityName = "ca";

    public const string ClientName = "halonctl";

    public CertificateDirectory(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>The file name (without extension) of a host's certificate: the host, with characters unfit for file names replaced.</summary>
    public static string Stem(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return string.Concat(bare.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
    }

    public string CertificateFile(string stem) => System.IO.Path.Combine(Path, stem + ".crt");

    public string KeyFile(string stem) => System.IO.Path.Combine(Path, stem + ".key");

    /// <summary>Makes what is missing for <paramref name="nodes"/>: the CA, a certificate per host, halonctl's certificate.</summary>
    public CertsResult Ensure(IReadOnlyList<NodeId> nodes, TimeSpan nodeValidity, TimeSpan authorityValidity)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        CreateDirectory();
        var now = DateTimeOffset.UtcNow;
        var notBefore = now.AddMinutes(-5); // Clocks of the nodes may be a little behind this host's.
        var (authority, authorityCreated) = EnsureAuthority(notBefore, now + authorityValidity);
        using (authority)
        {
            var files = new List<CertFile>();
            foreach (var host in nodes.GroupBy(n => n.Host, StringComparer.OrdinalIgnoreCase))
            {
                var ids = host.ToList();
                files.Add(EnsureIssued(Stem(host.Key), ids, authority, a => CertificateFactory.CreateNode(a, host.Key, ids, notBefore, now + nodeValidity)));
            }

            files.Add(EnsureIssued(ClientName, [], authority, a => CertificateFactory.CreateClient(a, ClientName, notBefore, now + nodeValidity)));
            return new CertsResult(TlsCredentials.AuthorityId(authority), authorityCreated, CertificateFile(AuthorityName), KeyFile(AuthorityName), files);
        }
    }

    private void CreateDirectory()
    {
        if (Directory.Exists(Path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Path);
        }
        else
        {
            // It holds the CA's private key: the owner only.
            Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private (X509Certificate2 Authority, bool Created) EnsureAuthority(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var certificateFile = CertificateFile(AuthorityName);
        var keyFile = KeyFile(AuthorityName);
        var present = (File.Exists(certificateFile), File.Exists(keyFile));
        switch (present)
        {
            case (true, true):
                try
                {
                    return (X509Certificate2.CreateFromPemFile(certificateFile, keyFile), false);
                }
                catch (CryptographicException e)
                {
                    throw new CertsException($"cannot load the CA from {certificateFile} and {keyFile}: {e.Message}");
                }

            case (false, false):
                var name = "Halon cluster CA " + notAfter.AddYears(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " " + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
                var authority = CertificateFactory.CreateAuthority(name, notBefore, notAfter);
                CertificateFactory.Write(authority, certificateFile, keyFile);
                return (authority, true);
            default:
                throw new CertsException($"{(present.Item1 ? certificateFile : keyFile)} exists without {(present.Item1 ? keyFile : certificateFile)}; restore it, or move both away to make a new CA");
        }
    }

    private CertFile EnsureIssued(string stem, IReadOnlyList<NodeId> ids, X509Certificate2 authority, Func<X509Certificate2, X509Certificate2> issue)
    {
        var certificateFile = CertificateFile(stem);
        var keyFile = KeyFile(stem);
        var present = (File.Exists(certificateFile), File.Exists(keyFile));
        if (present == (false, false))
        {
            using var issued = issue(authority);
            CertificateFactory.Write(issued, certificateFile, keyFile);
            return new CertFile(stem, certificateFile, keyFile, ids, "created", null);
        }

        if (present != (true, true))
        {
            return new CertFile(stem, certificateFile, keyFile, ids, "conflict", $"{(present.Item1 ? certificateFile : keyFile)} exists without {(present.Item1 ? keyFile : certificateFile)}; move it away to make a new pair");
        }

        try
        {
            using var existing = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            if (!CertificateFactory.IsIssuedBy(existing, authority))
            {
                return new CertFile(stem, certificateFile, keyFile, ids, "conflict", $"{certificateFile} is not a valid certificate of this CA (another CA, or expired); move it and its key away to make a new one");
            }

            var unnamed = ids.Where(id => !CertificateFactory.NamesNode(existing, id)).ToList();
            return unnamed.Count > 0
                ? new CertFile(stem, certificateFile, keyFile, ids, "conflict", $"{certificateFile} does not name {string.Join(", ", unnamed)} (it names {CertificateFactory.DescribeNames(existing)}); move it and its key away to make a new one")
                : new CertFile(stem, certificateFile, keyFile, ids, "kept", null);
        }
        catch (CryptographicException e)
        {
            return new CertFile(stem, certificateFile, keyFile, ids, "conflict", $"cannot load {certificateFile} with {keyFile}: {e.Message}");
        }
    }
}
