namespace Halon.Core.Messages;

/// <summary>What a satellite reports about its host when it announces itself.</summary>
/// <param name="Hostname">The host's name, at most <see cref="Limits.HostnameLengthMax"/> characters.</param>
/// <param name="Cpus">Logical processors.</param>
/// <param name="MemoryMiB">Physical memory in MiB.</param>
public sealed record HostFacts(string Hostname, int Cpus, long MemoryMiB)
{
    /// <summary>Whether the facts are within bounds; a message carrying invalid facts is dropped.</summary>
    public bool IsValid => Hostname.Length is > 0 and <= Limits.HostnameLengthMax && Cpus is > 0 and < 1_000_000 && MemoryMiB >= 0;
}
