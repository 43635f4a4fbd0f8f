using Halon.Core.Status;

namespace Halon.Ctl.Demo;

/// <summary>A station read in one round of status calls: one master running <see cref="Coordinator"/>, the rest following it.</summary>
internal sealed record SettledStation(CoordinatorInfo Coordinator, NodeStatus Master);
