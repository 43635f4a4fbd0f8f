using System.Diagnostics;

namespace Halon.Hosts.Tests;

/// <summary>The completion scripts halonctl generates from its command definitions, loaded into a real bash.</summary>
public sealed class CompletionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("halon-completion-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_bash_script_is_valid_bash()
    {
        var script = await ScriptAsync("bash");

        var check = await BashAsync($"bash -n '{script}'");

        Assert.True(check.ExitCode == 0, check.Output);
    }

    [Theory]
    [InlineData("halonctl boot", "bootstrap")]
    [InlineData("halonctl bootstrap sat", "satellite")]
    [InlineData("halonctl bootstrap satellite --station-", "--station-attr")]
    [InlineData("halonctl status --clu", "--cluster --cluster-key-file --cluster-key-file-next")]
    [InlineData("halonctl he", "health help")]
    [InlineData("halonctl completion ", "bash zsh --help")]
    [InlineData("halonctl health --node 127.0.0.1:9070 --sat", "--satellites")]
    [InlineData("halonctl stat", "station status")]
    [InlineData("halonctl station ", "add remove replace --help")]
    [InlineData("halonctl station replace --w", "--wait")]
    public async Task The_bash_function_completes_commands_and_options(string line, string expected)
    {
        var script = await ScriptAsync("bash");

        var words = await CompleteAsync(script, line);

        Assert.Equal(expected.Split(' '), words);
    }

    [Fact]
    public async Task File_options_complete_file_names_and_value_options_offer_no_commands()
    {
        var script = await ScriptAsync("bash");
        await File.WriteAllTextAsync(Path.Combine(_root, "cluster.key"), "k");

        var files = await CompleteAsync(script, $"halonctl status --cluster-key-file {_root}/clu");
        var value = await CompleteAsync(script, "halonctl status --node ");

        Assert.Equal([$"{_root}/cluster.key"], files);
        Assert.Empty(value);
    }

    [Fact]
    public async Task Sourcing_the_bash_script_registers_the_completion()
    {
        var script = await ScriptAsync("bash");

        var registered = await BashAsync($"source '{script}' && complete -p halonctl");

        Assert.True(registered.ExitCode == 0, registered.Output);
        Assert.Equal("complete -F _halonctl halonctl\n", registered.Output);
    }

    [Fact]
    public async Task The_zsh_script_covers_every_command_path()
    {
        var result = await Ctl.RunAsync("completion", "zsh");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("#compdef halonctl\n", result.Output, StringComparison.Ordinal);
        foreach (var path in new[] { "halonctl bootstrap station", "halonctl bootstrap satellite", "halonctl station add", "halonctl station remove", "halonctl station replace", "halonctl status", "halonctl health", "halonctl completion", "halonctl version" })
        {
            Assert.Contains($"'{path}') cmdpath='{path}' ;;", result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("--genders|--cluster-key-file|--cluster-key-file-next|--tls-cert|--tls-key|--tls-ca) _files; return ;;", result.Output, StringComparison.Ordinal);
        Assert.Contains("compdef _halonctl halonctl", result.Output, StringComparison.Ordinal);
    }

    private async Task<string> ScriptAsync(string shell)
    {
        var result = await Ctl.RunAsync("completion", shell);
        Assert.True(result.ExitCode == 0, result.ToString());
        var path = Path.Combine(_root, "halonctl." + shell);
        await File.WriteAllTextAsync(path, result.Output);
        return path;
    }

    /// <summary>Runs the completion function as bash would for <paramref name="line"/> (the cursor at its end).</summary>
    private async Task<string[]> CompleteAsync(string script, string line)
    {
        var words = line.Split(' ');
        var array = string.Join(' ', words.Select(w => $"'{w}'"));
        var result = await BashAsync($"source '{script}'; COMP_WORDS=({array}); COMP_CWORD={words.Length - 1}; _halonctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"");
        Assert.True(result.ExitCode == 0, result.Output);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task<(int ExitCode, string Output)> BashAsync(string command)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--norc");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        var text = await output;
        var stderr = await errors;
        return (process.ExitCode, process.ExitCode == 0 ? text : text + stderr);
    }
}
