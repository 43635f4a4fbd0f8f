namespace Halon.Ctl.Bootstrap;

/// <summary>How to carry out a <see cref="BootstrapPlan"/>.</summary>
/// <param name="Wait">Poll status until the bootstrap has taken effect, retrying nodes that could not be reached.</param>
/// <param name="Timeout">Bounds the whole command, waiting included.</param>
/// <param name="Json">Print one JSON object on stdout at the end instead of lines.</param>
/// <param name="Security">How to authenticate to the nodes: cluster key(s), TLS, or nothing.</param>
internal sealed record BootstrapOptions(bool Wait, TimeSpan Timeout, bool Json, Halon.Transport.Tcp.TransportSecurity Security);
