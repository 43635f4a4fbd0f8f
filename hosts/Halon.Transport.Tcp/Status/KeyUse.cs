namespace Halon.Transport.Tcp;

/// <summary>How many of a node's open connections use one mode and key: during a key roll, how far the roll got.</summary>
public sealed record KeyUse(string Mode, string? KeyId, int Connections);
