using System.Text;

namespace Halon.Genders.Tests;

public sealed class GendersLoadTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Loads_a_file_and_names_it_in_errors()
    {
        var good = _directory.Write("good", "ts[01-02] station\n");
        var bad = _directory.Write("bad", "ts01 station\nts01 station\n");

        Assert.Equal(["ts01", "ts02"], GendersFile.Load(good).Nodes);
        Assert.Equal(good, GendersFile.Load(good).SourceName);
        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Load(bad));
        Assert.Equal($"{bad}:2: attribute 'station' repeated for node ts01", exception.Message);
    }

    [Fact]
    public void Rejects_a_file_over_FileBytesMax_before_parsing_it()
    {
        var path = Path.Combine(_directory.Path, "big");
        using (var stream = File.Create(path))
        {
            stream.SetLength(GendersLimits.FileBytesMax + 1L);
        }

        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Load(path));

        Assert.Equal(0, exception.Line);
        Assert.Contains("larger than", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_invalid_UTF8()
    {
        var path = Path.Combine(_directory.Path, "latin1");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("caf"), 0xE9, .. Encoding.ASCII.GetBytes(" a\n")]);

        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Load(path));

        Assert.Equal($"{path}: file is not valid UTF-8", exception.Message);
    }

    [Fact]
    public void Rejects_a_byte_order_mark()
    {
        var path = Path.Combine(_directory.Path, "bom");
        File.WriteAllText(path, "ts01 station\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var exception = Assert.Throws<GendersParseException>(() => GendersFile.Load(path));

        Assert.Equal(1, exception.Line);
    }

    [Fact]
    public void Missing_file_is_an_IO_error()
    {
        Assert.Throws<FileNotFoundException>(() => GendersFile.Load(Path.Combine(_directory.Path, "missing")));
    }
}
