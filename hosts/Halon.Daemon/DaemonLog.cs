using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>halond's log lines: who, which term, and why. Source-generated so that disabled levels cost nothing.</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Starting in listen mode: {Node} has no role in {DataDir}; waiting for halonctl")]
    public static partial void ListenMode(ILogger logger, NodeId node, string dataDir);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: resuming as {Role} from {DataDir} (term {Term}, {Entries} log entries, commit {Commit})")]
    public static partial void Resuming(ILogger logger, NodeId node, NodeRole role, string dataDir, long term, int entries, long commit);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: listening on {EndPoint} ({Security})")]
    public static partial void Listening(ILogger logger, NodeId node, string endPoint, string security);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: {Datagrams}; peer connections dropped and dialled again after {PeerTimeout} without progress")]
    public static partial void PeerNetwork(ILogger logger, NodeId node, string datagrams, string peerTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: running WITHOUT a cluster key (--insecure): anyone who can reach {EndPoint} can command this node")]
    public static partial void Insecure(ILogger logger, NodeId node, string endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: {Warning}")]
    public static partial void KeyFileWarning(ILogger logger, NodeId node, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: role {Role}: {Detail}")]
    public static partial void RoleAssigned(ILogger logger, NodeId node, NodeRole role, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: supervisor {From} -> {To} in term {Term}: {Reason}")]
    public static partial void StateChanged(ILogger logger, NodeId node, SupervisorState from, SupervisorState to, long term, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: became master of term {Term}")]
    public static partial void BecameMaster(ILogger logger, NodeId node, long term);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: coordinator started with epoch {Epoch} (restart {Restart}, {Satellites} satellites known)")]
    public static partial void CoordinatorStarted(ILogger logger, NodeId node, long epoch, int restart, int satellites);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: coordinator of epoch {Epoch} stopped: {Reason}")]
    public static partial void CoordinatorStopped(ILogger logger, NodeId node, long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: acknowledged satellite {Satellite} incarnation {Incarnation} ({Hostname}) in epoch {Epoch}")]
    public static partial void SatelliteAcknowledged(ILogger logger, NodeId node, NodeId satellite, long incarnation, string hostname, long epoch);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Node}: acknowledged satellite {Satellite} incarnation {Incarnation} again in epoch {Epoch} (it announced again)")]
    public static partial void SatelliteAcknowledgedAgain(ILogger logger, NodeId node, NodeId satellite, long incarnation, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: the station holds incarnation {Recorded} of this node (it was reinstalled, or its data dir restored from an old copy), so it now announces incarnation {To} in place of {From} (told by {By})")]
    public static partial void IncarnationAdvanced(ILogger logger, NodeId node, long from, long to, long recorded, NodeId by);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: announcement of incarnation {Incarnation} acknowledged by {By} (epoch {Epoch})")]
    public static partial void AnnouncementAcknowledged(ILogger logger, NodeId node, long incarnation, NodeId by, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: this satellite's station list ({Configured}) is not the station's peer set: {By} answers as a peer of {Reported}. Give satellites the station's own list (halonctl bootstrap satellite --genders FILE --station-attr station); to fix this node, stop halond, remove {DataDir} and bootstrap it again. After halonctl station add, remove or replace this is expected: the satellite takes the station's new voters from the coordinator's acknowledgement and keeps them")]
    public static partial void StationListMismatch(ILogger logger, NodeId node, PeerSet configured, NodeId by, PeerSet reported, string dataDir);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: the coordinator ({By}, epoch {Epoch}) reports the station's voters as {Station}; this satellite announces to them too from now on, and keeps them across restarts")]
    public static partial void StationListLearned(ILogger logger, NodeId node, PeerSet station, NodeId by, long epoch);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Node}: committed entries {From}..{To}")]
    public static partial void EntriesCommitted(ILogger logger, NodeId node, long from, long to);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: dropped {Type} from {From} ({Category}): {Reason}{Suppressed}")]
    public static partial void MessageDropped(ILogger logger, NodeId node, string type, NodeId from, string category, string reason, string suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Node}: dropped {Type} from {From} ({Category}): {Reason}")]
    public static partial void MessageDroppedRoutine(ILogger logger, NodeId node, string type, NodeId from, string category, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: halonctl satellite remove {Satellite}: {Outcome}: {Result}")]
    public static partial void RemovalRequested(ILogger logger, NodeId node, NodeId satellite, RemovalOutcome outcome, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: satellite {Satellite} removed from the station's table (installation {InstallId:x}, log index {Index}); its announcements are refused until it is bootstrapped again{Told}")]
    public static partial void SatelliteRemoved(ILogger logger, NodeId node, NodeId satellite, long installId, long index, string told);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: the station removed this satellite (installation {InstallId:x}; told by {By}, epoch {Epoch}); it stops announcing and stays stopped across restarts. To bring it back: halonctl bootstrap satellite --station ... --on {Node} (a new installation)")]
    public static partial void RemovedFromStation(ILogger logger, NodeId node, long installId, NodeId by, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: halonctl station: join station {ClusterId} (contacts {Contacts}): {Result}")]
    public static partial void JoinRequested(ILogger logger, NodeId node, string clusterId, PeerSet contacts, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: halonctl station {Change}: {Outcome}: {Result}")]
    public static partial void StationChangeRequested(ILogger logger, NodeId node, string change, MembershipOutcome outcome, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: station configuration at index {Index} ({Committed}): {Config}; {Reason}")]
    public static partial void ConfigurationChanged(ILogger logger, NodeId node, StationConfig config, long index, string committed, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: LEFT THE STATION: the configuration committed at index {Index} ({Config}) leaves this node out; its supervisor has stopped and stays stopped across restarts (status shows state removed). halond keeps running and answers status; to make it a peer again: halonctl station add {Node}")]
    public static partial void LeftStation(ILogger logger, NodeId node, long index, StationConfig config);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: halonctl bootstrap {Kind} {Peers}: {Result}")]
    public static partial void ControlCommand(ILogger logger, NodeId node, string kind, PeerSet peers, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Node}: the loop ran {Ticks} ticks late (a stall of {Milliseconds} ms: the process was paused, starved of CPU, or blocked on the disk); issuing them before anything else; {HeldBack} more stalls since the last such line, the longest {LongestMilliseconds} ms")]
    public static partial void Stall(ILogger logger, NodeId node, long ticks, long milliseconds, int heldBack, long longestMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: the last {Bytes} bytes, from offset {Offset}, are not a complete record ({What}); cutting them off and starting with the {Entries} entries before them. A crash or power loss during an append leaves exactly this, and the station sends a follower any entry it lacks; if this node did not crash, the disk may be damaging data: check it, and to start this node afresh stop it and move the data dir aside")]
    public static partial void TornLogTail(ILogger logger, string file, long offset, long bytes, string what, int entries);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: serving metrics at {Url}")]
    public static partial void MetricsListening(ILogger logger, NodeId node, string url);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Node}: cannot write the data dir {DataDir}; stopping rather than send unpersisted state")]
    public static partial void PersistFailed(ILogger logger, Exception exception, NodeId node, string dataDir);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Node}: a protocol invariant broke; stopping (systemd restarts halond from its data dir)")]
    public static partial void InvariantBroken(ILogger logger, Exception exception, NodeId node);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the node's loop failed unexpectedly; stopping (systemd restarts halond from its data dir)")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "halond cannot start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}: stopped")]
    public static partial void Stopped(ILogger logger, NodeId node);
}
