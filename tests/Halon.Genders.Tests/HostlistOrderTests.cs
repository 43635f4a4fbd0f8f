namespace Halon.Genders.Tests;

public sealed class HostlistOrderTests
{
    // Each expected order is nodeattr 1.22's `-s` output for a file listing the names in the given order.
    [Theory]
    [InlineData("n10 n n0 n00 n1 n01 n001 n9 n010 n100 N1 a-1 1 007 x1y2 tsA n9a n-1",
        "1 007 N1 a-1 n n0 n1 n9 n00 n01 n10 n001 n010 n100 n-1 n9a tsA x1y2")]
    [InlineData("zeta alpha b10 b9 m", "alpha b9 b10 m zeta")]
    [InlineData("ts03 ts01 ts02", "ts01 ts02 ts03")]
    [InlineData("n8 n12 n08 n012 n0012", "n8 n08 n12 n012 n0012")]
    [InlineData("n7 n8 n9 n10 n02", "n7 n8 n9 n10 n02")] // n7-n10 is one run, and it sorts by n7
    [InlineData("n10 n7 n8 n9 n02", "n7 n8 n9 n02 n10")] // n10 is a run of its own
    [InlineData("rack1-n02 rack1-n7 rack1-n8 rack1-n9 rack1-n10 rack1-n11", "rack1-n7 rack1-n8 rack1-n9 rack1-n10 rack1-n11 rack1-n02")]
    [InlineData("n08 n09 n10 n1", "n1 n08 n09 n10")]
    [InlineData("n9 n10 n08", "n9 n10 n08")] // n08 cannot join or precede the unpadded run
    public void Sorts_like_nodeattr(string fileOrder, string expected)
    {
        Assert.Equal(expected.Split(' '), HostlistOrder.Sort(fileOrder.Split(' ')));
    }

    [Fact]
    public void Orders_prefixes_by_code_point_like_strcmp_on_UTF8()
    {
        // U+FF21 is above the surrogate range, so ordinal UTF-16 order would put it after U+1D400.
        Assert.Equal(["\uFF21", "\U0001D400"], HostlistOrder.Sort(["\U0001D400", "\uFF21"]));
    }

    [Fact]
    public void Compares_long_numbers_exactly()
    {
        Assert.Equal(
            ["n1", "n4294967296", "n99999999999999999999", "n100000000000000000000"],
            HostlistOrder.Sort(["n100000000000000000000", "n99999999999999999999", "n4294967296", "n1"]));
    }
}
