namespace Halon.Ctl.Certs;

/// <summary>What <see cref="CertificateDirectory.Ensure"/> found and made.</summary>
internal sealed record CertsResult(string AuthorityId, bool AuthorityCreated, string AuthorityCertificate, string AuthorityKey, IReadOnlyList<CertFile> Files);
