using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Removal;

/// <summary>
/// What <c>halonctl satellite remove</c> was asked: the satellites to take out of the station's table, the station to
/// ask (any peer; the request goes on to the coordinator), and how to authenticate.
/// </summary>
internal sealed record RemovalPlan(IReadOnlyList<NodeId> Satellites, PeerSet Station, string Source, TimeSpan Timeout, bool DryRun, bool Json, TransportSecurity Security);
