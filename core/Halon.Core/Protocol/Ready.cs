using Halon.Core.Effects;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>
/// One batch of outputs. The host must make <see cref="HardState"/>, <see cref="Role"/>, <see cref="Snapshot"/> and
/// <see cref="Entries"/> durable first (the snapshot before the log is cut), then act on <see cref="Effects"/>, then send <see cref="Messages"/>, then call
/// <see cref="HalonNode.Advance"/>. The lists belong to the node and are valid until that call.
/// </summary>
public readonly struct Ready
{
    internal Ready(HardState? hardState, RoleConfig? role, Snapshot? snapshot, long entriesFromIndex, IReadOnlyList<LogEntry> entries, List<Message> messages, List<Effect> effects)
    {
        HardState = hardState;
        Role = role;
        Snapshot = snapshot;
        EntriesFromIndex = entriesFromIndex;
        Entries = entries;
        Messages = messages;
        Effects = effects;
    }

    /// <summary>Term, vote and commit index to persist, when they changed.</summary>
    public HardState? HardState { get; }

    /// <summary>The role configuration to persist, when it changed.</summary>
    public RoleConfig? Role { get; }

    /// <summary>
    /// A snapshot to persist, when the node took or installed one. The host writes it durably, then drops every
    /// persisted entry at or below its <see cref="Persistence.Snapshot.LastIncludedIndex"/>, then applies
    /// <see cref="EntriesFromIndex"/>. A crash in between is safe: a restarted node ignores entries the snapshot covers.
    /// </summary>
    public Snapshot? Snapshot { get; }

    /// <summary>
    /// When non-zero, the persisted log must be cut to indexes below this one and <see cref="Entries"/> appended.
    /// </summary>
    public long EntriesFromIndex { get; }

    /// <summary>Entries to persist, starting at <see cref="EntriesFromIndex"/>.</summary>
    public IReadOnlyList<LogEntry> Entries { get; }

    /// <summary>Messages to send once the persisted part is durable.</summary>
    public List<Message> Messages { get; }

    /// <summary>Effects to act on and log.</summary>
    public List<Effect> Effects { get; }

    /// <summary>Whether anything must be persisted before sending.</summary>
    public bool MustPersist => HardState.HasValue || Role is not null || Snapshot is not null || EntriesFromIndex != 0;

    /// <summary>Whether the batch is empty.</summary>
    public bool IsEmpty => !MustPersist && Messages.Count == 0 && Effects.Count == 0;
}
