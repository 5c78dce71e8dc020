using static Sprout.Tests.TestHelpers;

namespace Sprout.Tests.Tensors;

public class TensorOpsTests
{
    private static Tensor T(float[] data, params int[] shape) => Tensor.FromArray(data, shape);

    [Fact]
    public void Creation_functions_fill_as_named()
    {
        Assert.All(Tensor.Zeros(2, 3).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Ones(4).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(Tensor.Full(new Shape(2, 2), 7f).ToArray(), v => Assert.Equal(7f, v));
        Assert.Equal([0f, 1f, 2f, 3f], Tensor.Arange(4).ToArray());
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Tensor.Arange(1f, 3f, 0.5f).ToArray());
        var u = Tensor.RandomUniform(new Shape(1000), -2f, 3f).ToArray();
        Assert.All(u, v => Assert.InRange(v, -2f, 3f));
        var n = Tensor.RandomNormal(new Shape(20000), 5f, 2f).ToArray();
        Assert.InRange(n.Average(), 4.9, 5.1);
        Assert.InRange(Math.Sqrt(n.Select(v => (v - 5.0) * (v - 5.0)).Average()), 1.9, 2.1);
    }

    [Fact]
    public void Element_indexer_reads_and_writes_row_major()
    {
        var t = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal(5f, t[1, 2]);
        Assert.Equal(3f, t[-1, 0]);
        t[0, 1] = 42f;
        Assert.Equal(42f, t.ToArray()[1]);
        Assert.Throws<IndexOutOfRangeException>(() => t[2, 0]);
    }

    [Fact]
    public void Arithmetic_with_same_shapes_and_scalars()
    {
        var a = T([1, 2, 3, 4], 2, 2);
        var b = T([10, 20, 30, 40], 2, 2);
        Assert.Equal([11f, 22, 33, 44], (a + b).ToArray());
        Assert.Equal([9f, 18, 27, 36], (b - a).ToArray());
        Assert.Equal([10f, 40, 90, 160], (a * b).ToArray());
        Assert.Equal([10f, 10, 10, 10], (b / a).ToArray());
        Assert.Equal([-1f, -2, -3, -4], (-a).ToArray());
        Assert.Equal([3f, 4, 5, 6], (a + 2f).ToArray());
        Assert.Equal([1f, 0, -1, -2], (2f - a).ToArray());
        Assert.Equal([0.5f, 1, 1.5f, 2], (a / 2f).ToArray());
        Assert.Equal([12f, 6, 4, 3], (12f / a).ToArray());
    }

    [Fact]
    public void Broadcasting_aligns_on_the_right_like_numpy()
    {
        // (2,1,3) + (4,3) → (2,4,3): out[i,j,k] = a[i,0,k] + b[j,k]
        var a = T([0, 1, 2, 100, 101, 102], 2, 1, 3);
        var b = Tensor.Arange(12).Reshape(4, 3) * 10f;
        var y = a + b;
        Assert.Equal(new Shape(2, 4, 3), y.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 3; k++)
                    Assert.Equal(a[i, 0, k] + b[j, k], y[i, j, k]);
    }

    [Fact]
    public void Broadcasting_column_row_and_scalar_tensors()
    {
        var col = T([1, 2], 2, 1);
        var row = T([10, 20, 30], 3);
        Assert.Equal([11f, 21, 31, 12, 22, 32], (col + row).ToArray());
        Assert.Equal([9f, 19, 29, 8, 18, 28], (row - col).ToArray());
        Assert.Equal([2f, 4], (col * Tensor.Scalar(2f)).ToArray());
        Assert.Equal([0.5f, 1], (col / T([2], 1)).ToArray());
    }

    [Fact]
    public void MatMul_2d_and_batched()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var b = T([7, 8, 9, 10, 11, 12], 3, 2);
        Assert.Equal([58f, 64, 139, 154], a.MatMul(b).ToArray());
        var ba = Tensor.Concat(0, a.Reshape(1, 2, 3), (a * 2f).Reshape(1, 2, 3));
        var bb = Tensor.Concat(0, b.Reshape(1, 3, 2), b.Reshape(1, 3, 2));
        var y = ba.MatMul(bb);
        Assert.Equal(new Shape(2, 2, 2), y.Shape);
        Assert.Equal([58f, 64, 139, 154, 116, 128, 278, 308], y.ToArray());
        Assert.Equal([58f, 64, 139, 154], a.MatMulTransposed(b.Transpose()).ToArray());
    }

    [Fact]
    public void MatMul_matches_a_naive_product_at_odd_sizes()
    {
        Rng.Seed(3);
        foreach (var (m, k, n) in new[] { (1, 1, 1), (7, 13, 5), (33, 65, 17), (64, 64, 64), (130, 70, 90) })
        {
            var a = Tensor.RandomNormal(m, k);
            var b = Tensor.RandomNormal(k, n);
            var y = a.MatMul(b);
            for (int i = 0; i < m; i += Math.Max(1, m / 5))
                for (int j = 0; j < n; j += Math.Max(1, n / 5))
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a[i, p] * (double)b[p, j];
                    Assert.True(Math.Abs(s - y[i, j]) < 1e-4 * (1 + Math.Abs(s)), $"({m},{k},{n}) at [{i},{j}]: {s} vs {y[i, j]}");
                }
        }
    }

    [Fact]
    public void Transpose_2d_and_permutation()
    {
        var a = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal([0f, 3, 1, 4, 2, 5], a.Transpose().ToArray());
        var c = Tensor.Arange(24).Reshape(2, 3, 4);
        var p = c.Transpose(2, 0, 1);
        Assert.Equal(new Shape(4, 2, 3), p.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    Assert.Equal(c[i, j, k], p[k, i, j]);
    }

    [Fact]
    public void SwapAxes_exchanges_two_axes_and_keeps_the_others_in_order()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        var y = x.SwapAxes(0, 1);
        Assert.Equal(new Shape(3, 2, 4), y.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) Assert.Equal(x[i, j, k], y[j, i, k]);
        Assert.Equal(x.Transpose(0, 2, 1).ToArray(), x.SwapAxes(-1, 1).ToArray());   // negative axes
        Assert.Equal(x.ToArray(), x.SwapAxes(2, 2).ToArray());                      // an axis with itself: unchanged
        Assert.ThrowsAny<ArgumentException>(() => x.SwapAxes(0, 3));
        var e = Assert.Throws<ArgumentException>(() => x.Transpose(1, 0));           // PyTorch's transpose(0, 1) spelled the PyTorch way
        Assert.Contains("SwapAxes(1, 0)", e.Message);
    }

    [Fact]
    public void Reshape_is_a_view_and_infers_one_dimension()
    {
        var a = Tensor.Arange(12);
        var r = a.Reshape(3, -1);
        Assert.Equal(new Shape(3, 4), r.Shape);
        r[0, 0] = 99f;
        Assert.Equal(99f, a[0]);
    }

    [Fact]
    public void Reductions_over_all_and_over_an_axis_with_keepdims()
    {
        var a = T([1, 5, 3, 4, 2, 6], 2, 3);
        Assert.Equal(21f, a.Sum().Item());
        Assert.Equal(3.5f, a.Mean().Item());
        Assert.Equal(6f, a.Max().Item());
        Assert.Equal([5f, 7, 9], a.Sum(0).ToArray());
        var k = a.Sum(1, keepDims: true);
        Assert.Equal(new Shape(2, 1), k.Shape);
        Assert.Equal([9f, 12], k.ToArray());
        Assert.Equal(new Shape(1, 3), a.Mean(0, keepDims: true).Shape);
        Assert.Equal([2.5f, 3.5f, 4.5f], a.Mean(0).ToArray());
        Assert.Equal([5f, 6], a.Max(1).ToArray());
        Assert.Equal([4f, 5, 6], a.Max(0).ToArray());
        Assert.Equal([1f, 2], a.ArgMax(1).ToArray());
        Assert.Equal([1f, 0, 1], a.ArgMax(0).ToArray());
        Assert.Equal(15f, T([1, 2, 3, 4, 5], 5).Sum(-1).Item());
    }

    [Fact]
    public void Unary_functions_match_hand_computed_values()
    {
        var x = T([-2, -0.5f, 0, 1, 4], 5);
        Close([0, 0, 0, 1, 4], x.Relu());
        Close([2, 0.5f, 0, 1, 4], x.Abs());
        Close([MathF.Exp(-2), MathF.Exp(-0.5f), 1, MathF.E, MathF.Exp(4)], x.Exp());
        Close([1 / (1 + MathF.Exp(2)), 1 / (1 + MathF.Exp(0.5f)), 0.5f, 1 / (1 + MathF.Exp(-1)), 1 / (1 + MathF.Exp(-4))], x.Sigmoid());
        Close([MathF.Tanh(-2), MathF.Tanh(-0.5f), 0, MathF.Tanh(1), MathF.Tanh(4)], x.Tanh());
        Close([-1, -0.5f, 0, 1, 1], x.Clamp(-1, 1));
        var p = T([1, 4, 9], 3);
        Close([1, 2, 3], p.Sqrt());
        Close([0, MathF.Log(4), MathF.Log(9)], p.Log());
        Close([1, 64, 729], p.Pow(3));
    }

    [Fact]
    public void Softmax_is_stable_on_inputs_of_plus_minus_1000()
    {
        var x = T([1000, 1000, -1000, 0, 1, 2], 2, 3);
        var s = x.Softmax(1);
        Assert.All(s.ToArray(), v => Assert.True(float.IsFinite(v)));
        Close([0.5f, 0.5f, 0, 0.09003057f, 0.24472847f, 0.66524096f], s);
        var ls = x.LogSoftmax(1);
        Assert.All(ls.ToArray(), v => Assert.False(float.IsNaN(v)));
        Close([-MathF.Log(2), -MathF.Log(2), -2000 - MathF.Log(2)], ls.Slice(0, 1).Reshape(3), 1e-4f);
        var col = x.Softmax(0);
        Close([1, 1, 0, 0, 0, 1], col, 1e-4f);
    }

    [Fact]
    public void Concat_and_slice()
    {
        var a = Tensor.Arange(4).Reshape(2, 2);
        var b = Tensor.Arange(2).Reshape(2, 1) + 10f;
        var c = Tensor.Concat(1, a, b);
        Assert.Equal(new Shape(2, 3), c.Shape);
        Assert.Equal([0f, 1, 10, 2, 3, 11], c.ToArray());
        Assert.Equal([0f, 1, 2, 3, 0, 1, 2, 3], Tensor.Concat(0, a, a).ToArray());
        var rows = Tensor.Arange(12).Reshape(4, 3).Slice(1, 2);
        Assert.Equal(new Shape(2, 3), rows.Shape);
        Assert.Equal([3f, 4, 5, 6, 7, 8], rows.ToArray());
        Assert.Equal([1f, 2, 4, 5], Tensor.Arange(6).Reshape(2, 3).Narrow(1, 1, 2).ToArray());
    }

    [Fact]
    public void Select_takes_one_index_along_an_axis_and_drops_the_axis_as_PyTorchs_select()
    {
        var m = Tensor.Arange(24).Reshape(2, 3, 4);
        var row = m.Select(0, 1);
        Assert.Equal(new Shape(3, 4), row.Shape);
        Assert.Equal(Enumerable.Range(12, 12).Select(v => (float)v), row.ToArray());
        Assert.Equal([4f, 5, 6, 7, 16, 17, 18, 19], m.Select(1, -2).ToArray());   // negative index: from the end
        Assert.Equal([3f, 7, 11, 15, 19, 23], m.Select(-1, 3).ToArray());         // negative axis
        Assert.Equal(new Shape(2, 3), m.Select(-1, 3).Shape);
        Assert.Equal(new Shape(), Tensor.Arange(3).Select(0, 2).Shape);
        Assert.Equal(2f, Tensor.Arange(3).Select(0, 2).Item());
        row[0, 0] = 100f;                                                        // along the first axis: a view
        Assert.Equal(100f, m[1, 0, 0]);
        var column = m.Select(2, 0);                                             // along another axis: a copy, which
        Assert.Throws<InvalidOperationException>(() => column[0, 0] = -1f);      // refuses a write that would not reach m
        Assert.Equal(0f, m[0, 0, 0]);
    }

    [Fact]
    public void Select_out_of_range_names_the_axis_its_size_and_the_valid_indices_and_the_indexer_points_to_it()
    {
        var m = Tensor.Arange(6).Reshape(2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => m.Select(1, 3));
        Assert.Contains("size 3", e.Message);
        Assert.Contains("-3 .. 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Select(0, -3));
        Assert.ThrowsAny<ArgumentException>(() => m.Select(2, 0));
        Assert.Throws<InvalidOperationException>(() => Tensor.Scalar(1f).Select(0, 0));
        var indexer = Assert.Throws<ArgumentException>(() => m[0]);
        Assert.Contains("Select(0, i)", indexer.Message);
    }

    [Fact]
    public void ToString_prints_numpy_style_and_elides_large_tensors()
    {
        var s = Tensor.Arange(6).Reshape(2, 3).ToString();
        Assert.Contains("[[0.0000, 1.0000, 2.0000],\n [3.0000, 4.0000, 5.0000]]", s);
        Assert.Contains("<Tensor (2, 3)>", s);
        var big = Tensor.Arange(5000).ToString();
        Assert.Contains("...", big);
        Assert.DoesNotContain("2500.0000", big);
        Assert.Contains("4999.0000", big);
    }
}
