namespace Halon.Core.Protocol;

/// <summary>When the node next needs a tick: lets a host sleep through ticks that would do nothing.</summary>
public sealed partial class HalonNode
{
    /// <summary>The value of <see cref="TicksUntilNextTimer"/> when no timer runs (a node with no role, an acknowledged satellite, a satellite the station removed).</summary>
    public const long NoTimerTicks = long.MaxValue;

    /// <summary>
    /// How many <see cref="Tick"/> calls from now the first one is that may do something: the ticks before it, given
    /// no other input meanwhile, produce no <see cref="Ready"/> output and change no supervisor state; they only
    /// advance the node's clock. At least 1; <see cref="NoTimerTicks"/> when no timer runs. A host may therefore wait
    /// until that tick is due and then issue every due tick in one burst, as it does after a stall; any other input
    /// (a message, a command) can move the next timer, so the host asks again after it.
    /// </summary>
    /// <remarks>
    /// A read-only computation over the timers that <see cref="Tick"/> checks: the peer probe, the election timer,
    /// the master's heartbeat, lease and check-quorum deadlines and the coordinator's restart, the satellite's next
    /// announcement. It may be earlier than the first tick that acts (a timer can find nothing to do), never later.
    /// The seeded simulation tests check that after every tick of many runs.
    /// </remarks>
    public long TicksUntilNextTimer => _roleConfig.Role switch
    {
        NodeRole.Station => _roleConfig.Removed ? NoTimerTicks : StationTicksUntilNextTimer(),
        NodeRole.Satellite => _announceAcknowledged || _roleConfig.Removed ? NoTimerTicks : UntilTick(_nextAnnounceAt),
        _ => NoTimerTicks,
    };

    private long StationTicksUntilNextTimer()
    {
        // A probe goes out on the first tick at which _now ≥ _nextProbeAt.
        var next = UntilTick(_nextProbeAt);
        switch (_state)
        {
            case SupervisorState.WaitingForQuorum:
                // Ticks alone only age the evidence of quorum, but a message that brought it without ending the wait
                // (a stale-term one) leaves that to the next tick.
                if (PeersWithSupervisor() >= Peers.Majority)
                {
                    next = 1;
                }

                break;
            case SupervisorState.Follower:
            case SupervisorState.PreCandidate:
            case SupervisorState.Candidate:
                // TickElection increments the elapsed count, then campaigns once it reaches the randomised timeout and
                // the node no longer withholds votes (E ticks after it last heard from a master).
                next = Math.Min(next, Math.Max(1, Math.Max(_electionTimeoutTicksRandomized - _electionElapsedTicks, _leaderContactAt + _options.ElectionTimeoutTicks - _now)));
                break;
            case SupervisorState.Master:
                next = Math.Min(next, MasterTicksUntilNextTimer());
                break;
            default:
                break;
        }

        return next;
    }

    private long MasterTicksUntilNextTimer()
    {
        var leaseStart = LeaseStartTick();
        var next = UntilTick(_lastHeartbeatAt + _options.HeartbeatIntervalTicks);
        next = Math.Min(next, UntilTick(Math.Max(leaseStart, _becameMasterAt) + _options.ElectionTimeoutTicks));
        if (_coordinatorRunning)
        {
            next = Math.Min(next, UntilTick(leaseStart + _options.LeaseTicks));
            if (Config.HasWorkLeft)
            {
                // A change under way takes its next step on a tick once the learner has caught up or the voters answer.
                next = 1;
            }
        }
        else
        {
            // A coordinator that has not started (or crashed) may start on any tick once its restart delay passed.
            next = Math.Min(next, UntilTick(_coordinatorRestartAt));
        }

        return next;
    }

    /// <summary>Ticks from now until <c>_now</c> reaches <paramref name="tick"/>; at least 1 (the next tick).</summary>
    private long UntilTick(long tick) => Math.Max(1, tick - _now);
}
