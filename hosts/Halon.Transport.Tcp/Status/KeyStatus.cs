namespace Halon.Transport.Tcp;

/// <summary>A key (or CA) a node holds, by its id, never the key itself.</summary>
/// <param name="Id">16 hex digits.</param>
/// <param name="Use"><c>current</c> or <c>next</c> for cluster keys, <c>ca</c> for the CAs a TLS node trusts.</param>
public sealed record KeyStatus(string Id, string Use);
