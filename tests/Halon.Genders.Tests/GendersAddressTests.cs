namespace Halon.Genders.Tests;

public sealed class GendersAddressTests
{
    private const int DefaultPort = 7946;

    [Fact]
    public void Uses_halon_port_or_the_default_port()
    {
        var file = GendersFile.Parse("""
            ts[01-03] station,halon_port=7000
            ts02      satellite
            sat[9-10] satellite
            sat10     halon_port=7101
            """);

        Assert.Equal(["ts01:7000", "ts02:7000", "ts03:7000"], file.Addresses("station", DefaultPort));
        Assert.Equal(["sat9:7946", "sat10:7101", "ts02:7000"], file.Addresses("satellite", DefaultPort));
        Assert.Empty(file.Addresses("absent", DefaultPort));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65_535)]
    public void Accepts_the_port_bounds(int port)
    {
        var file = GendersFile.Parse($"a x,halon_port={port}\nb x\n");

        Assert.Equal([$"a:{port}", $"b:{port}"], file.Addresses("x", port));
    }

    [Theory]
    [InlineData("halon_port=0", "is '0', not a port number in 1..65535")]
    [InlineData("halon_port=65536", "is '65536', not a port number in 1..65535")]
    [InlineData("halon_port=99999999999", "not a port number")]
    [InlineData("halon_port=-1", "is '-1', not a port number")]
    [InlineData("halon_port=+80", "is '+80', not a port number")]
    [InlineData("halon_port=http", "is 'http', not a port number")]
    [InlineData("halon_port=%n", "is 'ts01', not a port number")]
    [InlineData("halon_port", "has no value; write halon_port=PORT")]
    public void Rejects_bad_halon_port_with_its_line(string attribute, string detail)
    {
        var file = GendersFile.Parse($"ts01 station\n# c\nts01 {attribute}\n", "genders.txt");

        var exception = Assert.Throws<GendersParseException>(() => file.Addresses("station", DefaultPort));

        Assert.Equal(3, exception.Line);
        Assert.StartsWith("genders.txt:3: halon_port of node ts01 ", exception.Message, StringComparison.Ordinal);
        Assert.Contains(detail, exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_halon_port_of_an_unselected_node_is_ignored()
    {
        var file = GendersFile.Parse("ts01 station\nsat1 satellite,halon_port=bad\n");

        Assert.Equal(["ts01:7946"], file.Addresses("station", DefaultPort));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65_536)]
    public void Rejects_a_bad_default_port(int port)
    {
        var file = GendersFile.Parse("ts01 station");

        Assert.Throws<ArgumentOutOfRangeException>(() => file.Addresses("station", port));
    }
}
