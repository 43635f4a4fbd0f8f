namespace Halon.Hosts.Tests;

/// <summary>Where the built halond and halonctl are: the build outputs of this checkout, in the tests' configuration.</summary>
internal static class Paths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The checkout's root (it holds Halon.sln).</summary>
    public static string Root => s_root.Value;

    /// <summary>Debug or Release, as the tests themselves were built.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string HalondDll => Existing(Path.Combine(Root, "hosts", "Halon.Daemon", "bin", Configuration, "net10.0", "halond.dll"));

    public static string HalonctlDll => Existing(Path.Combine(Root, "hosts", "Halon.Ctl", "bin", Configuration, "net10.0", "halonctl.dll"));

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; the test project's references should have built it", path);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Halon.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Halon.sln above {AppContext.BaseDirectory}");
    }
}
