namespace Sprout.Tests.Tensors;

public class RngTests
{
    [Fact]
    public void Same_seed_gives_the_same_numbers()
    {
        Rng.Seed(123);
        var a = Tensor.RandomUniform(100).ToArray();
        var n1 = Tensor.RandomNormal(50).ToArray();
        Rng.Seed(123);
        Assert.Equal(a, Tensor.RandomUniform(100).ToArray());
        Assert.Equal(n1, Tensor.RandomNormal(50).ToArray());
        Rng.Seed(124);
        Assert.NotEqual(a, Tensor.RandomUniform(100).ToArray());
    }

    [Fact]
    public void Keyed_streams_are_reproducible_and_distinct()
    {
        var a = new float[64];
        var b = new float[64];
        var c = new float[64];
        Rng.Stream(9, "0.weight").FillUniform(a);
        Rng.Stream(9, "0.weight").FillUniform(b);
        Rng.Stream(9, "1.weight").FillUniform(c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Rng.Stream(10, "0.weight").FillUniform(c);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Streams_give_the_same_numbers_on_any_thread()
    {
        var expected = new float[256];
        Rng.Stream(5, "key").FillNormal(expected);
        var results = new float[8][];
        Parallel.For(0, 8, i =>
        {
            results[i] = new float[256];
            Rng.Stream(5, "key").FillNormal(results[i]);
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Philox_matches_the_published_known_answer()
    {
        // Random123's kat_vectors: philox4x32-10, counter and key all zero.
        var words = new uint[4];
        Philox.Block(0, 0, 0, 0, 0, 0, words);
        Assert.Equal([0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u], words);
    }

    [Fact]
    public void Uniform_floats_are_in_the_unit_interval_and_roughly_uniform()
    {
        var s = Rng.Stream(1, "u");
        var v = new float[100_000];
        s.FillUniform(v);
        Assert.All(v, x => Assert.InRange(x, 0f, 0.99999994f));
        Assert.InRange(v.Average(), 0.495, 0.505);
        var shuffled = Enumerable.Range(0, 50).ToArray();
        Rng.Stream(1, "shuffle").Shuffle(shuffled.AsSpan());
        Assert.Equal(Enumerable.Range(0, 50), shuffled.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), shuffled);
    }
}
