using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// The coordinator that acknowledged this satellite (epoch <paramref name="Epoch"/>, on <paramref name="By"/>)
/// reported the station's voters as <paramref name="Station"/>, which differ from what the satellite knew: its peers
/// were changed. The satellite announces to them from now on, as well as to the list it was bootstrapped with, and
/// keeps them across restarts.
/// </summary>
public sealed record StationListLearned(PeerSet Station, NodeId By, long Epoch) : Effect;
