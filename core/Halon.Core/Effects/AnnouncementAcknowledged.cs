using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>This satellite's announcer received the acknowledgement of its incarnation and stopped.</summary>
public sealed record AnnouncementAcknowledged(long Incarnation, long Epoch, NodeId By) : Effect;
