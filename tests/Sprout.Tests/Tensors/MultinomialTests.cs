namespace Sprout.Tests.Tensors;

public class MultinomialTests
{
    public MultinomialTests() => Rng.Seed(21);

    private static double[] Frequencies(float[] draws, int categories)
    {
        var counts = new double[categories];
        foreach (var d in draws) counts[(int)d]++;
        return [.. counts.Select(c => c / draws.Length)];
    }

    [Fact]
    public void With_replacement_each_category_comes_in_proportion_to_its_weight_and_a_zero_weight_never()
    {
        var draws = Tensor.Multinomial(Tensor.FromArray([1f, 0f, 3f, 6f], 4), 40_000, replacement: true);
        Assert.Equal(new Shape(40_000), draws.Shape);
        var f = Frequencies(draws.ToArray(), 4);
        Assert.Equal(0.1, f[0], 0.01);
        Assert.Equal(0.0, f[1]);
        Assert.Equal(0.3, f[2], 0.01);
        Assert.Equal(0.6, f[3], 0.01);
    }

    [Fact]
    public void Without_replacement_a_rows_draws_are_distinct_and_the_first_follows_the_weights()
    {
        const int rows = 20_000;
        var weights = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 4).BroadcastTo(new Shape(rows, 4)).Clone();
        var draws = Tensor.Multinomial(weights, 2);
        Assert.Equal(new Shape(rows, 2), draws.Shape);
        var d = draws.ToArray();
        for (int r = 0; r < rows; r++) Assert.NotEqual(d[2 * r], d[2 * r + 1]);
        var first = Frequencies([.. Enumerable.Range(0, rows).Select(r => d[2 * r])], 4);
        for (int c = 0; c < 4; c++) Assert.Equal((c + 1) / 10.0, first[c], 0.015);
        // The second draw follows what is left: P(second = j) = Σ_i p_i p_j / (1 − p_i).
        var second = Frequencies([.. Enumerable.Range(0, rows).Select(r => d[2 * r + 1])], 4);
        double[] p = [0.1, 0.2, 0.3, 0.4];
        for (int j = 0; j < 4; j++)
            Assert.Equal(Enumerable.Range(0, 4).Where(i => i != j).Sum(i => p[i] * p[j] / (1 - p[i])), second[j], 0.015);
        var all = Tensor.Multinomial(Tensor.FromArray([5f, 1f, 0.5f], 3), 3).ToArray();
        Assert.Equal([0f, 1f, 2f], all.Order());   // every category once
    }

    [Fact]
    public void The_same_seed_draws_the_same_samples()
    {
        var w = Tensor.FromArray([0.2f, 0.5f, 0.3f], 3);
        Rng.Seed(5);
        var a = Tensor.Multinomial(w, 50, replacement: true).ToArray();
        Rng.Seed(5);
        Assert.Equal(a, Tensor.Multinomial(w, 50, replacement: true).ToArray());
    }

    [Fact]
    public void Bad_weights_and_too_many_distinct_samples_are_refused_naming_the_row()
    {
        var negative = Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.FromArray([1f, 2f, 1f, -1f], 2, 2), 1));
        Assert.Contains("weight 1 of row 1 is -1", negative.Message);
        Assert.Contains("row 0", Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.Zeros(2, 3), 1, replacement: true)).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.FromArray([1f, float.NaN], 2), 1));
        var few = Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.FromArray([1f, 0f, 2f], 3), 3));
        Assert.Contains("2 positive weights", few.Message);
        Assert.Contains("replacement: true", few.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.Ones(3), 4));
        Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.Ones(2, 2, 2), 1));
    }
}
