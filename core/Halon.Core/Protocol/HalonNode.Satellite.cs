using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>Satellite: the announcer that sends NodeUp until the coordinator acknowledges this incarnation.</summary>
public sealed partial class HalonNode
{
    /// <summary>
    /// Announcements a satellite sends to its target without an answer before the next one goes to another peer.
    /// A live master is silent to a repeat only while the entry is pending (after the commit it acknowledges at once),
    /// so silence means a slow commit, lost messages or a dead master. Three, because a fresh target starts the
    /// back-off at its minimum, so three announcements span 14 to 21 ticks: several commit round trips of a healthy
    /// station (which then costs no redirect beyond the first), and about the election timeout of the lan and legacy
    /// timings (25 and 15 ticks), by when a dead master's followers stop naming it. Two would ask another peer after 6
    /// to 9 ticks, while a healthy commit may still be on its way; four would spend 30 to 45 ticks on a dead master.
    /// After that, a peer that still names the target earns it one announcement at a time (see StepNodeUpRedirect).
    /// </summary>
    private const int AnnounceUnansweredMax = 3;

    private long _nextAnnounceAt;
    private int _announceBackoffTicks;
    private int _announceCursor;

    // The master the station last named (by a redirect naming it, its own "not ready" redirect or its outdated
    // notice): the announcer sends to it while it may hold the entry pending, and goes round the peers while it is
    // null. _announceUnanswered counts the announcements sent to it since it was named or answered; at
    // AnnounceUnansweredMax the announcer goes round the other peers, and a peer that still names the target earns it
    // one more. _announceTermSeen is the highest term a redirect or notice carried: an older redirect is late news.
    private NodeId? _announceTarget;
    private int _announceUnanswered;

    // The peer the last announcement went to, until it answers, and how many stale answers in a row have moved the
    // announcer on to the next peer at once (see StepNodeUpRedirect); at most one round of the peers in a row.
    private NodeId? _awaitingAnswerFrom;
    private int _staleAnswersSkipped;
    private long _announceTermSeen;
    private bool _announceAcknowledged;
    private long _highestEpochSeen;
    private long _acknowledgedEpoch;
    private NodeId? _acknowledgedBy;
    private long _announcementsSent;

    // The peer set the last answering station peer reported, when it differs from this satellite's station list, and
    // who reported it; both null while the answers agree.
    private PeerSet? _reportedStation;
    private NodeId? _reportedStationBy;

    /// <summary>Whether this satellite's current incarnation has been acknowledged.</summary>
    public bool AnnouncementAcknowledged => _announceAcknowledged;

    /// <summary>This satellite's incarnation (0 unless a satellite).</summary>
    public long Incarnation => _roleConfig.Incarnation;

    /// <summary>This satellite's installation id (0 unless a satellite, or for a data dir older than it).</summary>
    public long InstallId => _roleConfig.InstallId;

    private PeerSet Station => _roleConfig.Station ?? throw new HalonInvariantException($"{Id} has no station");

    /// <summary>
    /// The station's voters as its coordinator last reported them in an acknowledgement, when they differ from the
    /// list the satellite was bootstrapped with (kept in <see cref="RoleConfig.Peers"/>); null otherwise.
    /// </summary>
    private PeerSet? LearnedStation => _roleConfig.Role == NodeRole.Satellite ? _roleConfig.Peers : null;

    /// <summary>
    /// Whether the satellite takes answers from <paramref name="node"/>: a peer of its station list, of the list the
    /// coordinator reported, or the master a peer of those named.
    /// </summary>
    private bool KnowsStationPeer(NodeId node) =>
        Station.Contains(node) || (LearnedStation?.Contains(node) ?? false) || node.Equals(_announceTarget);

    /// <summary>The peers the announcer goes round: its station list, then any other peer the coordinator reported.</summary>
    private List<NodeId> AnnounceRound()
    {
        var round = new List<NodeId>(Station.Members);
        if (LearnedStation is { } learned)
        {
            round.AddRange(learned.Members.Where(m => !Station.Contains(m)));
        }

        return round;
    }

    /// <summary>
    /// Makes this node a satellite of <paramref name="station"/>. Repeating it is a no-op; a station peer, or a
    /// satellite of another station, refuses with a message naming both.
    /// </summary>
    public CommandResult BecomeSatellite(PeerSet station)
    {
        ArgumentNullException.ThrowIfNull(station);
        CommandResult result;
        if (_roleConfig.Role == NodeRole.Satellite && _roleConfig.Removed)
        {
            // Bootstrapped again after the station removed it: a new installation, which no tombstone names.
            var removedInstall = _roleConfig.InstallId;
            if (!station.Equals(Station))
            {
                _highestEpochSeen = 0; // Another station's epochs do not order with the old one's.
            }

            _roleConfig = new RoleConfig(NodeRole.Satellite, null, station, 1) { InstallId = DrawInstallId() };
            _roleDirty = true;
            _removedBy = null;
            _removedEpoch = 0;
            StartAnnouncer($"bootstrapped again, after its removal, as a satellite of station {station.ClusterId} ({station}) with a new installation id");
            result = CommandResult.Done($"{Id} was removed from its station as installation {removedInstall:x}; it is now a satellite of station {station.ClusterId} ({station}) as installation {_roleConfig.InstallId:x}, announcing incarnation 1");
        }
        else if (_roleConfig.Role == NodeRole.Satellite)
        {
            result = Station.Equals(station)
                ? CommandResult.AlreadyDone($"{Id} is already a satellite of station {station.ClusterId} ({station})")
                : CommandResult.Refused($"{Id} is already a satellite of station {Station.ClusterId} ({Station}); refusing to announce to station {station.ClusterId} ({station})");
        }
        else if (_roleConfig.Role == NodeRole.Station)
        {
            result = CommandResult.Refused($"{Id} is a peer of station {ClusterId} ({Peers}); refusing to become a satellite of station {station.ClusterId} ({station})");
        }
        else
        {
            _roleConfig = new RoleConfig(NodeRole.Satellite, null, station, 1) { InstallId = DrawInstallId() };
            _roleDirty = true;
            StartAnnouncer($"bootstrapped as a satellite of station {station.ClusterId} ({station})");
            result = CommandResult.Done($"{Id} is now a satellite of station {station.ClusterId} ({station}), announcing incarnation 1");
        }

        CheckInvariants();
        return result;
    }

    private void StartAnnouncer(string reason)
    {
        _announceAcknowledged = false;
        ForgetAnnounceTarget();
        _announceTermSeen = 0;
        _reportedStation = null;
        _reportedStationBy = null;
        _announceCursor = Station.IndexOf(Id) >= 0 ? 0 : (int)(Id.StableHash % (ulong)Station.Count);
        _announceBackoffTicks = _options.AnnounceBackoffTicksMin;
        Emit(new RoleAssigned(NodeRole.Satellite, $"{reason}; incarnation {_roleConfig.Incarnation}"));
        Announce();
    }

    private void TickAnnouncer()
    {
        if (!_announceAcknowledged && !_roleConfig.Removed && _now >= _nextAnnounceAt)
        {
            Announce();
        }
    }

    private void Announce()
    {
        NodeId target;
        if (_announceTarget is not null && _announceUnanswered < AnnounceUnansweredMax)
        {
            target = _announceTarget;
            _announceUnanswered++;
        }
        else
        {
            target = NextPeerInTurn();
        }

        Send(new NodeUp(Id, target, _roleConfig.Incarnation, _hostFacts) { InstallId = _roleConfig.InstallId });
        _announcementsSent++;
        _awaitingAnswerFrom = target;
        _nextAnnounceAt = _now + _announceBackoffTicks + _random.Next((_announceBackoffTicks / 2) + 1);
        _announceBackoffTicks = Math.Min(_announceBackoffTicks * 2, _options.AnnounceBackoffTicksMax);
    }

    /// <summary>The next station peer in turn, passing over the target that went unanswered when there is another.</summary>
    private NodeId NextPeerInTurn()
    {
        var station = AnnounceRound();
        var peer = station[_announceCursor % station.Count];
        _announceCursor = (_announceCursor + 1) % station.Count;
        if (peer.Equals(_announceTarget) && station.Count > 1)
        {
            peer = station[_announceCursor % station.Count];
            _announceCursor = (_announceCursor + 1) % station.Count;
        }

        return peer;
    }

    private void ForgetAnnounceTarget()
    {
        _announceTarget = null;
        _announceUnanswered = 0;
        _awaitingAnswerFrom = null;
        _staleAnswersSkipped = 0;
    }

    private StepResult StepNodeUpRedirect(NodeUpRedirect redirect)
    {
        if (_roleConfig.Role != NodeRole.Satellite || !KnowsStationPeer(redirect.From))
        {
            return StepResult.Dropped($"NodeUp redirect from {redirect.From}, which is not this satellite's station", DropCategory.NotAMember);
        }

        CompareStation(redirect.From, redirect.Station);

        if (_announceAcknowledged || _roleConfig.Removed)
        {
            return StepResult.Dropped("NodeUp redirect after acknowledgement", DropCategory.Outdated);
        }

        if (redirect.Term < _announceTermSeen)
        {
            // A late answer from an older term: the master it names, if any, has been replaced since. When it is the
            // answer to the announcement just sent, while going round the peers, the peer is stale (removed, not yet
            // caught up, or not a station peer at all): ask the next one after the shortest back-off rather than the
            // current one, which would spend up to AnnounceBackoffTicksMax on each stale peer of an old station list.
            // At most one round of the peers in a row, so answers that all look stale cannot keep it going round.
            if (_announceTarget is null && redirect.From.Equals(_awaitingAnswerFrom) && _staleAnswersSkipped < AnnounceRound().Count)
            {
                _awaitingAnswerFrom = null;
                _staleAnswersSkipped++;
                _nextAnnounceAt = Math.Min(_nextAnnounceAt, _now + _options.AnnounceBackoffTicksMin);
            }

            return StepResult.Handled;
        }

        _staleAnswersSkipped = 0;

        // A master outside the lists is followed when the redirecting peer's own station holds it: a peer added after
        // this satellite was bootstrapped.
        var leader = redirect.Leader is not null && (KnowsStationPeer(redirect.Leader) || (redirect.Station?.Contains(redirect.Leader) ?? false)) ? redirect.Leader : null;
        _announceTermSeen = redirect.Term;
        if (leader is null)
        {
            // The peer knows no master in the target's term or a later one: it is campaigning or has not heard from
            // the target for an election timeout. Go round the peers until one names a master.
            ForgetAnnounceTarget();
        }
        else if (!leader.Equals(_announceTarget))
        {
            _announceTarget = leader;
            _announceUnanswered = 0;
            if (!leader.Equals(redirect.From))
            {
                // Follow a fresh master promptly, with the back-off reset; the master itself said "not ready" otherwise.
                _announceBackoffTicks = _options.AnnounceBackoffTicksMin;
                _nextAnnounceAt = Math.Min(_nextAnnounceAt, _now + 1);
            }
        }
        else if (leader.Equals(redirect.From))
        {
            _announceUnanswered = 0; // The target answered "not ready": it gets its announcements again.
        }
        else
        {
            // A peer still follows the target: one more announcement to it, then the next peer again, so that a dead
            // target is given up on within two retries once its followers have replaced it. The back-off goes on,
            // since nothing new was learnt.
            _announceUnanswered = Math.Min(_announceUnanswered, AnnounceUnansweredMax - 1);
        }

        return StepResult.Handled;
    }

    /// <summary>A random, non-zero installation id of 60 bits, from the node's random source.</summary>
    private long DrawInstallId()
    {
        long id = 0;
        while (id == 0)
        {
            id = ((long)_random.Next(1 << 30) << 30) | (long)_random.Next(1 << 30);
        }

        return id;
    }

    private StepResult StepNodeUpOutdated(NodeUpOutdated outdated)
    {
        if (_roleConfig.Role != NodeRole.Satellite || !KnowsStationPeer(outdated.From))
        {
            return StepResult.Dropped($"NodeUp outdated notice from {outdated.From}, which is not this satellite's station", DropCategory.NotAMember);
        }

        if (outdated.Epoch < _highestEpochSeen)
        {
            return StepResult.Dropped($"outdated notice of epoch {outdated.Epoch} fenced: epoch {_highestEpochSeen} was seen already", DropCategory.Fenced);
        }

        _highestEpochSeen = outdated.Epoch;
        if (_roleConfig.Removed)
        {
            return StepResult.Dropped("outdated notice, but the station removed this installation", DropCategory.Removed);
        }

        if (outdated.InstallId != _roleConfig.InstallId)
        {
            return StepResult.Dropped($"outdated notice for installation {outdated.InstallId:x}; this is installation {_roleConfig.InstallId:x}", DropCategory.Outdated);
        }

        var incarnation = _roleConfig.Incarnation;
        var recordedIsOurs = !IsOtherInstallation(outdated.RecordedInstallId, _roleConfig.InstallId);
        if (outdated.RecordedIncarnation < incarnation || (outdated.RecordedIncarnation == incarnation && recordedIsOurs))
        {
            // It answers an older announcement of ours; the station's record is not ahead of this incarnation.
            return StepResult.Dropped($"outdated notice for incarnation {outdated.RecordedIncarnation}; this is incarnation {incarnation} already", DropCategory.Outdated);
        }

        // The station holds an incarnation at or above ours from another installation (this node was reinstalled) or
        // from our own past (its data dir was restored from an old copy). Take the next one; it is persisted before
        // the announcement that carries it leaves.
        var from = _roleConfig.Incarnation;
        _roleConfig = _roleConfig with { Incarnation = outdated.RecordedIncarnation + 1 };
        _roleDirty = true;
        _announceAcknowledged = false;
        _announceTarget = outdated.From;
        _announceUnanswered = 0;
        _announceTermSeen = Math.Max(_announceTermSeen, outdated.Epoch);
        _announceBackoffTicks = _options.AnnounceBackoffTicksMin;
        Emit(new IncarnationAdvanced(from, _roleConfig.Incarnation, outdated.RecordedIncarnation, outdated.From));
        Announce();
        return StepResult.Handled;
    }

    private StepResult StepNodeUpAck(NodeUpAck ack)
    {
        if (_roleConfig.Role != NodeRole.Satellite || !KnowsStationPeer(ack.From))
        {
            return StepResult.Dropped($"NodeUp acknowledgement from {ack.From}, which is not this satellite's station", DropCategory.NotAMember);
        }

        CompareStation(ack.From, ack.Station);

        if (ack.Epoch < _highestEpochSeen)
        {
            return StepResult.Dropped($"acknowledgement of epoch {ack.Epoch} fenced: epoch {_highestEpochSeen} was seen already", DropCategory.Fenced);
        }

        _highestEpochSeen = ack.Epoch;
        if (_roleConfig.Removed)
        {
            // The removal is committed after every acknowledgement of this installation: this one is older news.
            return StepResult.Dropped($"acknowledgement of incarnation {ack.Incarnation}, but the station removed this installation", DropCategory.Removed);
        }

        if (ack.Incarnation != _roleConfig.Incarnation)
        {
            return StepResult.Dropped($"acknowledgement of incarnation {ack.Incarnation}; this is incarnation {_roleConfig.Incarnation}", DropCategory.Outdated);
        }

        if (ack.InstallId != 0 && ack.InstallId != _roleConfig.InstallId)
        {
            // A late acknowledgement of an earlier installation of this node (removed and bootstrapped again, or
            // reinstalled), which started again at incarnation 1 too: not this installation's.
            return StepResult.Dropped($"acknowledgement of installation {ack.InstallId:x}; this is installation {_roleConfig.InstallId:x}", DropCategory.Outdated);
        }

        LearnStation(ack);
        if (!_announceAcknowledged)
        {
            _announceAcknowledged = true;
            _acknowledgedEpoch = ack.Epoch;
            _acknowledgedBy = ack.From;
            Emit(new AnnouncementAcknowledged(ack.Incarnation, ack.Epoch, ack.From));
        }

        return StepResult.Handled;
    }

    /// <summary>
    /// A fenced acknowledgement of this installation comes from the coordinator in office: the voters it reports are
    /// the station's. When they differ from what the satellite knows, it keeps them (persisted with its role).
    /// </summary>
    private void LearnStation(NodeUpAck ack)
    {
        if (ack.Station is not { } reported || reported.Equals(LearnedStation ?? Station))
        {
            return;
        }

        _roleConfig = _roleConfig with { Peers = reported.Equals(Station) ? null : reported };
        _roleDirty = true;
        Emit(new StationListLearned(reported, ack.From, ack.Epoch));
    }

    /// <summary>
    /// Compares the peer set an answering station peer reports with this satellite's station list. A disagreement is
    /// kept for status and emitted once per change; the answer itself is still handled, since the peer is in the list.
    /// </summary>
    private void CompareStation(NodeId from, PeerSet? reported)
    {
        if (reported is null)
        {
            return; // A node that is no station peer, or one that predates the field: nothing to compare.
        }

        if (reported.Equals(Station))
        {
            _reportedStation = null;
            _reportedStationBy = null;
            return;
        }

        var changed = !reported.Equals(_reportedStation);
        _reportedStation = reported;
        _reportedStationBy = from;
        if (changed)
        {
            Emit(new StationListMismatch(from, reported, Station));
        }
    }
}
