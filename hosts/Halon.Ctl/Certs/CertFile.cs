using Halon.Core.Identity;

namespace Halon.Ctl.Certs;

/// <summary>One certificate of the directory and what <see cref="CertificateDirectory.Ensure"/> did with it.</summary>
/// <param name="Stem">The file name without extension: the host, or <c>halonctl</c>.</param>
/// <param name="Certificate">The certificate file.</param>
/// <param name="Key">The private key file.</param>
/// <param name="Ids">The node ids it names; none for halonctl's client certificate.</param>
/// <param name="Status"><c>created</c>, <c>kept</c> or <c>conflict</c> (see <paramref name="Problem"/>).</param>
/// <param name="Problem">For a conflict: what is wrong and what to do.</param>
internal sealed record CertFile(string Stem, string Certificate, string Key, IReadOnlyList<NodeId> Ids, string Status, string? Problem);
