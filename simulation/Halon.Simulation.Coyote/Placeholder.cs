namespace Halon.Simulation.Coyote;

internal static class Placeholder
{
}
