namespace Sprout.Tests.Ops;

/// <summary>Values of the new ops against hand-computed results, broadcasting, negative axes, keepDims and size-1 axes.</summary>
public class OpValueTests
{
    private static Tensor T(float[] data, params int[] shape) => Tensor.FromArray(data, shape);

    [Fact]
    public void AddRelu_is_the_sum_then_relu_in_one_pass_broadcasting_as_the_sum()
    {
        Rng.Seed(4);
        var a = Tensor.RandomUniform(new Shape(3, 37), -1f, 1f);   // 37: whole vectors and a tail
        var b = Tensor.RandomUniform(new Shape(3, 37), -1f, 1f);
        Assert.Equal((a + b).Relu().ToArray(), Tensor.AddRelu(a, b).ToArray());
        var row = Tensor.RandomUniform(new Shape(37), -1f, 1f);
        Assert.Equal((a + row).Relu().ToArray(), Tensor.AddRelu(a, row).ToArray());
        Assert.Equal((row + a).Relu().ToArray(), Tensor.AddRelu(row, a).ToArray());
        Assert.Equal([0f, 0f, 3f], Tensor.AddRelu(T([-1f, 1f, 2f], 3), T([0.5f, -1f, 1f], 3)).ToArray());
        Assert.Equal(new Shape(2, 3), Tensor.AddRelu(Tensor.Meta(new Shape(2, 1)), Tensor.Meta(new Shape(3))).Shape);   // shapes only, for summaries
    }

    [Fact]
    public void Shape_ops_add_remove_and_regroup_axes()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal(new Shape(2, 1, 3), x.Unsqueeze(1).Shape);
        Assert.Equal(new Shape(2, 3, 1), x.Unsqueeze(-1).Shape);
        Assert.Equal(new Shape(2, 3), x.Unsqueeze(0).Squeeze().Shape);
        Assert.Equal(Shape.Scalar, Tensor.Ones(1, 1).Squeeze().Shape);
        Assert.Equal(new Shape(2, 3), x.Unsqueeze(1).Squeeze(-2).Shape);
        Assert.Equal(new Shape(6), x.Flatten(0).Shape);
        Assert.Equal(new Shape(2, 12), Tensor.Zeros(2, 3, 4).Flatten(1).Shape);
        Assert.Equal(new Shape(6, 4), Tensor.Zeros(2, 3, 4).Flatten(0, 1).Shape);
        var s = Tensor.Stack(0, x, x * 10f);
        Assert.Equal(new Shape(2, 2, 3), s.Shape);
        Assert.Equal([0, 1, 2, 3, 4, 5, 0, 10, 20, 30, 40, 50], s.ToArray());
        Assert.Equal([0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50], Tensor.Stack(-1, x, x * 10f).ToArray());
        var parts = Tensor.Arange(10).Split(0, 3, 7);
        Assert.Equal([0, 1, 2], parts[0].ToArray());
        Assert.Equal(7, parts[1].Length);
        Assert.Equal([4, 4, 2], Tensor.Arange(10).Chunk(3).Select(c => c.Length));
        Assert.Equal([0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], x.Repeat(1, 2).ToArray());
        Assert.Equal(new Shape(2, 4, 3), x.Repeat(2, 2, 1).Shape);
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], x.RepeatInterleave(2, 1).ToArray());
        Assert.Equal([0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], x.RepeatInterleave(2, 0).ToArray());
        var p = x.Pad([1, 0], [0, 1], value: -1f);
        Assert.Equal(new Shape(3, 4), p.Shape);
        Assert.Equal([-1, -1, -1, -1, 0, 1, 2, -1, 3, 4, 5, -1], p.ToArray());
    }

    [Fact]
    public void Indexing_selects_gathers_scatters_and_masks()
    {
        var x = Tensor.Arange(12).Reshape(3, 4);
        Assert.Equal([8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11], x.IndexSelect(0, [2, 0, 2]).ToArray());
        Assert.Equal([3, 1, 7, 5, 11, 9], x.IndexSelect(-1, T([3, 1], 2)).ToArray());
        Assert.Equal([1, 0, 7, 7], x.Gather(1, T([1, 0, 3, 3], 2, 2)).ToArray());   // PyTorch: out[i][j] = x[i][index[i][j]]
        Assert.Equal([4, 9, 2], x.Gather(0, T([1, 2, 0], 1, 3)).ToArray());
        var scattered = Tensor.Zeros(2, 3).ScatterAdd(1, T([0, 0, 2, 1, 1, 1], 2, 3), T([1, 2, 3, 4, 5, 6], 2, 3));
        Assert.Equal([3, 0, 3, 0, 15, 0], scattered.ToArray());   // repeated indices accumulate
        var oneHot = Tensor.OneHot(T([2, 0], 2), 3);
        Assert.Equal(new Shape(2, 3), oneHot.Shape);
        Assert.Equal([0, 0, 1, 1, 0, 0], oneHot.ToArray());
        Assert.Equal(oneHot.ToArray(), Tensor.OneHot([2, 0], 3).ToArray());   // ids as integers
        Assert.Equal(new Shape(2, 3), Tensor.OneHot([2, 0], 3).Shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([3], 3));
        Assert.Throws<ArgumentException>(() => Tensor.OneHot(ReadOnlySpan<int>.Empty, 3));
        Assert.Equal([9, 1, 9, 3], Tensor.Arange(4).MaskedFill(T([1, 0, 1, 0], 4), 9f).ToArray());
        Assert.Equal([9, 9, 2, 3, 9, 9], Tensor.Arange(6).Reshape(3, 2).MaskedFill(T([1, 0, 1], 3, 1), 9f).ToArray());
        Assert.Equal([0, 10, 2, 10], Tensor.Where(T([1, 0, 1, 0], 4), Tensor.Arange(4), Tensor.Scalar(10f)).ToArray());
    }

    [Fact]
    public void Sum_and_Mean_over_several_axes_equal_one_axis_at_a_time()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        var kept = x.Mean([0, 2], keepDims: true);
        Assert.Equal(new Shape(1, 3, 1), kept.Shape);
        Assert.Equal([7.5f, 11.5f, 15.5f], kept.ToArray());   // channel c: the mean of 4c..4c+3 and 12+4c..12+4c+3
        Assert.Equal(new Shape(3), x.Mean([0, -1]).Shape);
        Assert.Equal(kept.ToArray(), x.Mean([-1, 0]).ToArray());   // order and sign of the axes do not matter
        Assert.Equal(x.Sum(2).Sum(0).ToArray(), x.Sum([0, 2]).ToArray());
        Assert.Equal(new Shape(), x.Sum([0, 1, 2]).Shape);
        Assert.Equal(276f, x.Sum([0, 1, 2]).Item());
        Assert.Equal(new Shape(1, 1, 1), x.Sum([0, 1, 2], keepDims: true).Shape);
        Assert.True(Tensor.Meta(new Shape(2, 3, 4)).Mean([0, 2]).IsMeta);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => x.Sum([1, -2])).Message);
        Assert.Throws<ArgumentException>(() => x.Mean([]));
        Assert.ThrowsAny<ArgumentException>(() => x.Sum([3]));
    }

    [Fact]
    public void Eye_and_MaskedSelect_write_the_books_leave_one_out_keys()
    {
        Assert.Equal([1, 0, 0, 0, 1, 0], Tensor.Eye(2, 3).ToArray());
        Assert.Equal([1, 0, 0, 1], Tensor.Eye(2).ToArray());
        Assert.Equal(new Shape(3, 2), Tensor.Eye(3, 2).Shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Eye(0));
        // Nadaraya–Watson's training keys (D2L 11.2): each row is x without its own element, x_tile[(1 - eye).bool()].
        var x = T([10, 20, 30], 3);
        var keys = x.Repeat(3, 1).MaskedSelect(Tensor.Ones(3, 3) - Tensor.Eye(3)).Reshape(3, -1);
        Assert.Equal(new Shape(3, 2), keys.Shape);
        Assert.Equal([20, 30, 10, 30, 10, 20], keys.ToArray());
        Assert.Equal([1, 4, 5], Tensor.Arange(6).Reshape(2, 3).MaskedSelect(T([0, 1, 0, 0, 1, 1], 2, 3)).ToArray());
        Assert.Equal([0, 2, 3, 5], Tensor.Arange(6).Reshape(2, 3).MaskedSelect(T([1, 0, 1], 3)).ToArray());   // a broadcast mask
        Assert.Contains("selects no element", Assert.Throws<ArgumentException>(() => Tensor.Arange(3).MaskedSelect(Tensor.Zeros(3))).Message);
        var meta = Tensor.Meta(new Shape(3, 3)).MaskedSelect(Tensor.Eye(3));   // shape-only input, a mask with values: the length is known
        Assert.True(meta.IsMeta);
        Assert.Equal(new Shape(3), meta.Shape);
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Arange(3).MaskedSelect(Tensor.Meta(new Shape(3))));
        Assert.Contains("depends on its values", e.Message);
        var shapes = Assert.Throws<ArgumentException>(() => Tensor.Arange(6).Reshape(2, 3).MaskedSelect(Tensor.Ones(2)));
        Assert.Contains("(2,)", shapes.Message);
        Assert.Contains("(2, 3)", shapes.Message);
    }

    [Fact]
    public void Comparisons_give_zero_or_one_with_broadcasting_and_no_gradient()
    {
        var a = T([1, 2, 3], 3);
        var b = T([2, 2, 2], 3);
        Assert.Equal([0, 1, 0], a.Eq(b).ToArray());
        Assert.Equal([1, 0, 1], a.Ne(b).ToArray());
        Assert.Equal([1, 0, 0], a.Lt(b).ToArray());
        Assert.Equal([1, 1, 0], a.Le(2f).ToArray());
        Assert.Equal([0, 0, 1], a.Gt(2f).ToArray());
        Assert.Equal([0, 1, 1], a.Ge(b).ToArray());
        Assert.Equal(new Shape(2, 3), T([1, 3], 2, 1).Gt(a).Shape);
        Assert.Equal([0, 0, 0, 1, 1, 0], T([1, 3], 2, 1).Gt(a).ToArray());
        a.AttachGrad();
        using (Sprout.Autograd.Record()) Assert.False(a.Gt(b).RequiresGrad);
        Assert.Equal([2, 2, 3], Tensor.Maximum(a, b).ToArray());
        Assert.Equal([1, 2, 2], Tensor.Minimum(a, Tensor.Scalar(2f)).ToArray());
    }

    [Fact]
    public void Minimums_orderings_and_top_k()
    {
        var x = T([3, 1, 2, 5, 4, 0], 2, 3);
        Assert.Equal(0f, x.Min().Item());
        Assert.Equal([1, 0], x.Min(1).ToArray());
        Assert.Equal(new Shape(2, 1), x.Min(-1, keepDims: true).Shape);
        Assert.Equal([1, 2], x.ArgMin(1).ToArray());
        Assert.Equal([1, 2, 0, 2, 1, 0], x.ArgSort(1).ToArray());
        Assert.Equal([0, 2, 1, 0, 1, 2], x.ArgSort(1, descending: true).ToArray());
        Assert.Equal([0, 0, 1, 1, 1, 0], x.ArgSort(0).ToArray());
        var (values, indices) = x.TopK(2, 1);
        Assert.Equal([3, 2, 5, 4], values.ToArray());
        Assert.Equal([0, 2, 0, 1], indices.ToArray());
        var (smallest, _) = x.TopK(1, -1, largest: false);
        Assert.Equal([1, 0], smallest.ToArray());
        Assert.Equal([0, 1, 2, 3], T([1, 1, 1, 1], 4).ArgSort().ToArray());   // stable on ties
        var (sorted, from) = x.Sort(-1);
        Assert.Equal([1, 2, 3, 0, 4, 5], sorted.ToArray());
        Assert.Equal([1, 2, 0, 2, 1, 0], from.ToArray());
        var (down, fromDown) = T([2, 7, 2, 5], 4).Sort(descending: true);
        Assert.Equal([7, 5, 2, 2], down.ToArray());
        Assert.Equal([1, 3, 0, 2], fromDown.ToArray());   // ties keep their order
        Assert.Equal([3, 1, 0, 5, 4, 2], x.Sort(0).Values.ToArray());
        Assert.Equal(new Shape(2, 3), Tensor.Meta(new Shape(2, 3)).Sort().Values.Shape);
    }

    [Fact]
    public void Reductions_variance_logsumexp_norm_cumsum()
    {
        var x = T([1, 2, 3, 4, 6, 8], 2, 3);
        Assert.Equal([1f, 4f], x.Var(1).ToArray());
        Assert.Equal([2f / 3, 8f / 3], x.Var(-1, unbiased: false).ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(new Shape(1, 3), x.Var(0, keepDims: true).Shape);
        Assert.Equal([1f, 2f], x.Std(1).ToArray());
        Assert.Equal(MathF.Log(MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3)), x.LogSumExp(1).ToArray()[0], 5);
        Assert.Equal(1000f + MathF.Log(2f), T([1000, 1000], 2).LogSumExp(0).Item(), 3);   // stable
        Assert.Equal(5f, T([3, 4], 2).Norm().Item(), 6);
        Assert.Equal([MathF.Sqrt(14), MathF.Sqrt(116)], x.Norm(1).ToArray());
        Assert.Equal([1, 3, 6, 4, 10, 18], x.CumSum(1).ToArray());
        Assert.Equal([1, 2, 3, 5, 8, 11], x.CumSum(0).ToArray());
        Assert.Throws<ArgumentException>(() => T([1], 1).Var(0));
    }

    [Fact]
    public void Infinite_rows_and_zero_norms_behave_as_pytorch()
    {
        float inf = float.PositiveInfinity;
        // logsumexp of a row of −∞ is −∞ (an empty sum), of a row holding +∞ is +∞: not NaN from ∞ − ∞.
        Assert.Equal([-inf, inf, MathF.Log(2f)], T([-inf, -inf, 1, inf, 0, 0], 3, 2).LogSumExp(1).ToArray(), new FloatTolerance(1e-6f));
        // The norm's gradient at 0 is 0 (its subgradient), elsewhere x/‖x‖, along an axis too.
        var x = T([0, 0, 3, 4], 2, 2);
        x.AttachGrad();
        using (Sprout.Autograd.Record()) (x.Norm(1).Sum() + x.Norm()).Backward();
        Assert.Equal([0f, 0f, 0.6f + 0.6f, 0.8f + 0.8f], x.Grad().ToArray(), new FloatTolerance(1e-6f));
        var zero = T([0, 0], 2);
        zero.AttachGrad();
        using (Sprout.Autograd.Record()) zero.Norm().Backward();
        Assert.Equal([0f, 0f], zero.Grad().ToArray());
    }

    [Fact]
    public void Exact_gelu_and_its_gradient_match_the_formulas_over_a_range_long_enough_for_the_vector_path()
    {
        // 1,601 values in [-8, 8]: whole 16-lane vectors and a tail; erf in double from its series (|v| < 3) and expansion.
        float[] xs = [.. Enumerable.Range(0, 1601).Select(i => -8f + i / 100f)];
        static double Erf(double v)
        {
            if (Math.Abs(v) < 3)
            {
                double sum = v, term = v;
                for (int n = 1; n < 200; n++) { term *= -v * v / n; sum += term / (2 * n + 1); }
                return 2 / Math.Sqrt(Math.PI) * sum;
            }
            return Math.Sign(v) * (1 - Math.Exp(-v * v) / (Math.Abs(v) * Math.Sqrt(Math.PI)) * (1 - 1 / (2 * v * v)));
        }
        static double Cdf(double v) => 0.5 * (1 + Erf(v / Math.Sqrt(2)));
        var x = T(xs, xs.Length);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = x.Gelu();
        y.Backward(Tensor.Ones(xs.Length));
        var (values, slopes) = (y.ToArray(), x.Grad().ToArray());
        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i], expected = v * Cdf(v), slope = Cdf(v) + v * Math.Exp(-v * v / 2) / Math.Sqrt(2 * Math.PI);
            Assert.True(Math.Abs(values[i] - expected) <= 2e-6 * (1 + Math.Abs(expected)), $"GELU({v}) = {values[i]}, expected {expected}");
            Assert.True(Math.Abs(slopes[i] - slope) <= 2e-6 * (1 + Math.Abs(slope)), $"GELU'({v}) = {slopes[i]}, expected {slope}");
        }
    }

    [Fact]
    public void Math_and_activations_match_their_formulas_in_double_precision()
    {
        float[] xs = [-4f, -1.5f, -0.3f, 0f, 0.2f, 0.7f, 2.5f, 25f];
        var x = T(xs, xs.Length);
        static double Erf(double v)   // reference: a high-order series and continued fraction, in double
        {
            if (Math.Abs(v) < 3)
            {
                double sum = v, term = v;
                for (int n = 1; n < 200; n++) { term *= -v * v / n; sum += term / (2 * n + 1); }
                return 2 / Math.Sqrt(Math.PI) * sum;
            }
            return Math.Sign(v) * (1 - Math.Exp(-v * v) / (Math.Abs(v) * Math.Sqrt(Math.PI)) * (1 - 1 / (2 * v * v)));
        }
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        static double Softplus(double v) => v > 20 ? v : Math.Log(1 + Math.Exp(v));
        void Check(Tensor t, Func<double, double> f)
        {
            var got = t.ToArray();
            for (int i = 0; i < xs.Length; i++)
                Assert.True(Math.Abs(got[i] - f(xs[i])) <= 2e-6 * (1 + Math.Abs(f(xs[i]))), $"x={xs[i]}: {got[i]} vs {f(xs[i])}");
        }
        Check(x.Erf(), Erf);
        Check(x.Gelu(), v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))));
        Check(x.Gelu(approximate: true), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        Check(x.Silu(), v => v * Sig(v));
        Check(x.Softplus(), Softplus);
        Check(x.Mish(), v => v * Math.Tanh(Softplus(v)));
        Check(x.LeakyRelu(0.1f), v => v > 0 ? v : 0.1 * v);
        Check(x.Elu(), v => v > 0 ? v : Math.Exp(v) - 1);
        Check(x.HardTanh(), v => Math.Clamp(v, -1, 1));
        Check(x.Sin(), Math.Sin);
        Check(x.Cos(), Math.Cos);
        Check(x.Square(), v => v * v);
        Check(x.Sign(), v => Math.Sign(v));
        Check(x.Floor(), Math.Floor);
        Assert.Equal([2f, 0.5f], T([0.25f, 4f], 2).Rsqrt().ToArray());
        Assert.Equal([4f, 0.25f], T([0.25f, 4f], 2).Reciprocal().ToArray());
    }

    [Fact]
    public void Batched_products_broadcast_their_batch_axes_and_read_transposes_in_place()
    {
        Rng.Seed(5);
        var a = Tensor.RandomUniform(2, 3, 4, 5);
        var b = Tensor.RandomUniform(2, 3, 5, 6);
        var y = a.MatMul(b);
        Assert.Equal(new Shape(2, 3, 4, 6), y.Shape);
        AssertProduct(a, b, y, false, false);
        var m = Tensor.RandomUniform(4, 5);
        var batch = Tensor.RandomUniform(3, 5, 2);
        Assert.Equal(new Shape(3, 4, 2), m.MatMul(batch).Shape);
        AssertProduct(m.BroadcastTo(new Shape(3, 4, 5)), batch, m.MatMul(batch), false, false);
        var at = Tensor.RandomUniform(6, 5, 4);
        var bt = Tensor.RandomUniform(6, 7, 5);
        AssertProduct(at, bt, Tensor.MatMul(at, bt, transposeA: true, transposeB: true), true, true);
        Assert.Equal(new Shape(2, 3, 4, 7), Tensor.MatMul(a, Tensor.RandomUniform(1, 3, 7, 5), transposeB: true).Shape);
    }

    [Fact]
    public void Vector_operands_multiply_as_pytorch_matmul_reads_them()
    {
        var m = T([1, 2, 3, 4], 2, 2);
        var v = T([1, 1], 2);
        Assert.Equal([3, 7], m.MatMul(v).ToArray());                       // (2, 2)·(2) → (2)
        Assert.Equal(new Shape(2), m.MatMul(v).Shape);
        Assert.Equal([4, 6], v.MatMul(m).ToArray());                       // (2)·(2, 2) → (2)
        var dot = T([1, 2, 3], 3).MatMul(T([4, 5, 6], 3));                 // (3)·(3) → a scalar
        Assert.Equal(Shape.Scalar, dot.Shape);
        Assert.Equal(32f, dot.Item());
        var batch = T([1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 2);
        Assert.Equal([3, 7, 11, 15], batch.MatMul(v).ToArray());          // (2, 2, 2)·(2) → (2, 2)
        Assert.Equal([4, 6, 12, 14], v.MatMul(batch).ToArray());          // (2)·(2, 2, 2) → (2, 2)
        Assert.Equal([4, 6], Tensor.MatMul(m, v, transposeA: true).ToArray());   // mᵀ·v
    }

    [Fact]
    public void A_large_batch_of_small_products_is_exact_and_backpropagates()
    {
        // 64 products of 24×40·(16×40)ᵀ: the small-product path (B packed from its transpose, the next product's
        // operands fetched while one runs), its output from the storage pool, a view of it, and both gradients.
        Rng.Seed(6);
        var a = Tensor.RandomUniform(8, 8, 24, 40);
        var b = Tensor.RandomUniform(8, 8, 16, 40);
        var y = Tensor.MatMul(a, b, transposeB: true);
        AssertProduct(a, b, y, false, true);
        Assert.Equal(y.ToArray()[24 * 16 * 5], y.Reshape(64, 24 * 16).Slice(5, 1).ToArray()[0]);
        a.AttachGrad();
        b.AttachGrad();
        using (Sprout.Autograd.Record()) Tensor.MatMul(a, b, transposeB: true).Sum().Backward();
        // d(sum)/dA[i, r, p] = Σ_c B[i, c, p]; d(sum)/dB[i, c, p] = Σ_r A[i, r, p]
        var av = a.ToArray(); var bv = b.ToArray(); var da = a.Grad().ToArray(); var db = b.Grad().ToArray();
        for (int i = 0; i < 64; i += 9)
            for (int p = 0; p < 40; p += 7)
            {
                double colB = 0, colA = 0;
                for (int c = 0; c < 16; c++) colB += bv[(i * 16 + c) * 40 + p];
                for (int r = 0; r < 24; r++) colA += av[(i * 24 + r) * 40 + p];
                Assert.Equal(colB, da[(i * 24 + 3) * 40 + p], 1e-4);
                Assert.Equal(colA, db[(i * 16 + 2) * 40 + p], 1e-4);
            }
    }

    /// <summary>Each batch's product against a plain triple loop in double precision.</summary>
    private static void AssertProduct(Tensor a, Tensor b, Tensor y, bool ta, bool tb)
    {
        int m = y.Shape[^2], n = y.Shape[^1], k = ta ? a.Shape[^2] : a.Shape[^1];
        var av = a.ToArray(); var bv = b.ToArray(); var yv = y.ToArray();
        int total = yv.Length / (m * n);
        for (int i = 0; i < total; i++)
            for (int r = 0; r < m; r++)
                for (int c = 0; c < n; c++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                        s += (double)av[i * m * k + (ta ? p * m + r : r * k + p)] * bv[i * k * n + (tb ? c * k + p : p * n + c)];
                    Assert.Equal(s, yv[(i * m + r) * n + c], 1e-5 * (k + Math.Abs(s)));
                }
    }

    [Fact]
    public void Random_tensors_come_from_the_seeded_stream()
    {
        Rng.Seed(9);
        var p = Rng.RandomPermutation(10);
        Assert.Equal(Enumerable.Range(0, 10), p.Order());
        var ints = Tensor.RandomInt(new Shape(1000), -3, 4).ToArray();
        Assert.All(ints, v => Assert.True(v >= -3 && v < 4 && v == MathF.Floor(v)));
        Assert.Equal(7, ints.Distinct().Count());
        var coin = Tensor.Bernoulli(new Shape(10_000), 0.3f).ToArray();
        Assert.All(coin, v => Assert.True(v is 0f or 1f));
        Assert.InRange(coin.Average(), 0.28, 0.32);
        Rng.Seed(9);
        Assert.Equal(p, Rng.RandomPermutation(10));
        Assert.Equal(ints, Tensor.RandomInt(new Shape(1000), -3, 4).ToArray());
    }

    [Fact]
    public void Meta_tensors_flow_through_the_new_ops()
    {
        var m = Tensor.Meta(new Shape(2, 3, 4));
        Assert.Equal(new Shape(2, 1, 3, 4), m.Unsqueeze(1).Shape);
        Assert.Equal(new Shape(1, 2, 3, 4), m.MatMul(Tensor.Meta(new Shape(4, 4)).Unsqueeze(0).Unsqueeze(0)).Shape);
        Assert.Equal(new Shape(2, 3, 5), m.MatMul(Tensor.Meta(new Shape(4, 5))).Shape);
        Assert.Equal(new Shape(2, 3, 6), m.Pad([0, 0, 1], [0, 0, 1]).Shape);
        Assert.Equal(new Shape(2, 3), m.Var(-1).Shape);
        Assert.Equal(new Shape(2, 3, 4), m.Gelu().Shape);
        Assert.Equal(new Shape(2, 3, 4), m.CumSum(1).Shape);
        Assert.Equal(new Shape(2, 2, 4), m.IndexSelect(1, [0, 2]).Shape);
        Assert.Equal(new Shape(4, 3, 4), Tensor.Stack(0, m, m).Reshape(4, 3, 4).Shape);
    }
}

/// <summary>Compares floats within an absolute tolerance.</summary>
internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => x == y || MathF.Abs(x - y) <= tolerance;   // equal infinities too
    public int GetHashCode(float obj) => 0;
}
