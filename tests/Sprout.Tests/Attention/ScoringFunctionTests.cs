using Sprout.Init;
using Sprout.Nn;
using Sprout.Tests.Autograd;

namespace Sprout.Tests.Attention;

/// <summary>The book's attention scoring functions as layers (11.3): additive and scaled dot-product attention.</summary>
public class ScoringFunctionTests
{
    public ScoringFunctionTests() => Rng.Seed(11);

    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);

    /// <summary>The book's example: ten values 0..39 as (10, 4) rows for each of two sequences, valid lengths 2 and 6.</summary>
    private static (Tensor Values, Tensor ValidLengths) BookValues()
    {
        var rows = Enumerable.Range(0, 40).Select(i => (float)i).ToArray();
        return (Tensor.FromArray([.. rows, .. rows], 2, 10, 4), Tensor.FromArray([2f, 6f], 2));
    }

    /// <summary>With every key alike, each valid key gets the same weight: the output is the mean of the valid values.</summary>
    [Fact]
    public void Both_layers_reproduce_the_books_output_when_every_key_scores_alike()
    {
        var (values, valid) = BookValues();
        var additive = new AdditiveAttention(hidden: 8, dropout: 0.1f);
        additive.Initialize(new Normal(0.5f));
        var y = additive.Forward(R(2, 1, 20), Tensor.Ones(new Shape(2, 10, 2)), values, valid);
        Assert.Equal(new Shape(2, 1, 4), y.Shape);
        float[] expected = [2, 3, 4, 5, 10, 11, 12, 13];   // means of rows 0–1 and of rows 0–5
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], y.ToArray()[i], 4);
        var weights = additive.LastWeights!.ToArray();
        Assert.Equal(new Shape(2, 1, 10), additive.LastWeights.Shape);
        Assert.All(weights[2..10].Concat(weights[16..20]), w => Assert.Equal(0f, w));
        var dot = new DotProductAttention(dropout: 0.5f);
        var z = dot.Forward(R(2, 1, 2), Tensor.Ones(new Shape(2, 10, 2)), values, valid);
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], z.ToArray()[i], 4);
        Assert.Equal(1f / 6, dot.LastWeights!.ToArray()[10], 5);
    }

    /// <summary>score(q, k) = w_vᵀ tanh(W_q q + W_k k), masked softmax over the keys, weights · values — from loops.</summary>
    [Fact]
    public void Additive_attention_infers_query_and_key_sizes_and_matches_its_equation()
    {
        var layer = new AdditiveAttention(hidden: 3);
        layer.Initialize(new Uniform(0.7f));
        var (q, k, v) = (R(2, 4, 5), R(2, 6, 2), R(2, 6, 3));
        var valid = Tensor.FromArray([3f, 1f, 6f, 2f, 4f, 5f, 0f, 6f], 2, 4);   // per query; 0 keeps none (uniform weights)
        var y = layer.Forward(q, k, v, valid).ToArray();
        Assert.Equal(new Shape(3, 5), layer.QueryWeight.Shape);
        Assert.Equal(new Shape(3, 2), layer.KeyWeight.Shape);
        Assert.Equal(["W_q.weight", "W_k.weight", "w_v.weight"], layer.CollectParams().Keys);
        float[] wq = layer.QueryWeight.Data().ToArray(), wk = layer.KeyWeight.Data().ToArray(), wv = layer.ScoreWeight.Data().ToArray();
        float[] qs = q.ToArray(), ks = k.ToArray(), vs = v.ToArray(), lengths = valid.ToArray();
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 4; i++)
            {
                int length = (int)lengths[b * 4 + i];
                var scores = new double[6];
                for (int j = 0; j < 6; j++)
                    for (int h = 0; h < 3; h++)
                    {
                        double a = 0;
                        for (int c = 0; c < 5; c++) a += wq[h * 5 + c] * qs[(b * 4 + i) * 5 + c];
                        for (int c = 0; c < 2; c++) a += wk[h * 2 + c] * ks[(b * 6 + j) * 2 + c];
                        scores[j] += wv[h] * Math.Tanh(a);
                    }
                // A query with no valid key gets uniform weights, as the book's masked softmax gives.
                var kept = Enumerable.Range(0, 6).Select(j => length == 0 ? 1 : j < length ? Math.Exp(scores[j]) : 0).ToArray();
                for (int c = 0; c < 3; c++)
                {
                    double expected = Enumerable.Range(0, 6).Sum(j => kept[j] * vs[(b * 6 + j) * 3 + c]) / kept.Sum();
                    Assert.Equal(expected, y[(b * 4 + i) * 3 + c], 4);
                }
            }
    }

    [Fact]
    public void Gradients_of_both_layers_match_finite_differences()
    {
        var additive = new AdditiveAttention(hidden: 4);
        additive.Initialize(new Uniform(0.6f));
        var valid = Tensor.FromArray([4f, 2f], 2);
        GradCheck.Assert(x => additive.Forward(x[0], x[1], x[2], valid), R(2, 3, 5), R(2, 4, 3), R(2, 4, 2));
        var dot = new DotProductAttention();
        GradCheck.Assert(x => dot.Forward(x[0], x[1], x[2], valid), R(2, 3, 5), R(2, 4, 5), R(2, 4, 2));
        // The parameters' gradients, each element against a central difference of the same weighted sum.
        var (q, k, v) = (R(2, 3, 5), R(2, 4, 3), R(2, 4, 2));
        var probe = R(2, 3, 2);
        double Loss() => (additive.Forward(q, k, v, valid) * probe).Sum().Item();
        using (Sprout.Autograd.Record()) (additive.Forward(q, k, v, valid) * probe).Sum().Backward();
        foreach (var p in new[] { additive.QueryWeight, additive.KeyWeight, additive.ScoreWeight })
        {
            var data = p.Data().AsSpan();
            var analytic = p.Grad().ToArray();
            for (int i = 0; i < data.Length; i++)
            {
                float kept = data[i];
                data[i] = kept + 1e-2f;
                double up = Loss();
                data[i] = kept - 1e-2f;
                double down = Loss();
                data[i] = kept;
                Assert.Equal((up - down) / 2e-2, analytic[i], 2);
            }
        }
    }

    [Fact]
    public void Attention_layers_build_summarize_and_refuse_bad_inputs_naming_themselves_and_the_shapes()
    {
        var net = new AdditiveAttention(hidden: 8);
        net.Initialize();
        Assert.Equal([new Shape(2, 1, 4)], net.Build(new Shape(2, 1, 20), new Shape(2, 10, 2), new Shape(2, 10, 4)));
        string summary = new AdditiveAttention(hidden: 8).Summary(new Shape(2, 1, 20), new Shape(2, 10, 2), new Shape(2, 10, 4));
        Assert.Contains("W_q.weight (8, 20), W_k.weight (8, 2), w_v.weight (1, 8)", summary);
        Assert.Contains("Total parameters: 184", summary);

        var layer = new AdditiveAttention(hidden: 8);
        layer.Initialize();
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(R(2, 20), R(2, 10, 2), R(2, 10, 4)));
        Assert.Contains("AdditiveAttention at '(root)' expects queries of shape (batch, steps, features); got (2, 20)", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Forward(R(2, 1, 20), R(2, 10, 2), R(2, 9, 4)));
        Assert.Contains("keys (2, 10, 2) and values (2, 9, 4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Forward(R(2, 1, 20), R(2, 10, 2), R(2, 10, 4), Tensor.FromArray([1f, 2f, 3f], 3)));
        Assert.Contains("valid lengths of shape (3,) do not fit queries (2, 1, 20)", e.Message);
        Assert.Equal(new Shape(8, -1), layer.QueryWeight.Shape);   // a refused first call leaves the sizes to infer
        layer.Forward(R(2, 1, 20), R(2, 10, 2), R(2, 10, 4));
        var mismatch = Assert.Throws<ShapeMismatchException>(() => layer.Forward(R(2, 1, 7), R(2, 10, 2), R(2, 10, 4)));
        Assert.Contains("W_q.weight", mismatch.Message);

        var dot = new DotProductAttention();
        e = Assert.Throws<ArgumentException>(() => dot.Forward(R(2, 1, 3), R(2, 10, 2), R(2, 10, 4)));
        Assert.Contains("DotProductAttention at '(root)': queries (2, 1, 3) and keys (2, 10, 2) must share their feature size", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DotProductAttention(dropout: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdditiveAttention(hidden: 0));
    }
}
