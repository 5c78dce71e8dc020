using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>The packed GEMM against a naive double-precision reference, for every micro-kernel this CPU can run.</summary>
public class GemmTests
{
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string> { "scalar" };
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) data.Add("256");
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) data.Add("512");
        return data;
    }

    private static IMicroKernel Kernel(string name) => name switch
    {
        "512" => new MicroKernel512(),
        "256" => new MicroKernel256(),
        _ => new MicroKernelScalar(),
    };

    private static void CheckOne(IMicroKernel kernel, RandomStream rng, int m, int n, int k, bool ta, bool tb, float alpha, float beta, int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = new float[(ta ? k : m) * lda + 3];
        var b = new float[(tb ? n : k) * ldb + 5];
        var c = new float[m * ldc + 2];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1); rng.FillUniform(c, -1, 1);
        var expected = (float[])c.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[3 + p * lda + i] : a[3 + i * lda + p]) * (tb ? b[5 + j * ldb + p] : b[5 + p * ldb + j]);
                expected[2 + i * ldc + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * (double)c[2 + i * ldc + j]));
            }
        Gemm.Multiply(kernel, ta, tb, m, n, k, alpha, a, 3, lda, b, 5, ldb, beta, c, 2, ldc);
        for (int idx = 0; idx < c.Length; idx++)
        {
            double tol = 1e-5 * (k + 1) + 1e-5 * Math.Abs(expected[idx]);
            Assert.True(Math.Abs(expected[idx] - c[idx]) <= tol,
                $"m={m} n={n} k={k} transA={ta} transB={tb} alpha={alpha} beta={beta} pad={pad}: element {idx} is {c[idx]}, expected {expected[idx]}");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Matches_the_reference_over_random_shapes_transposes_and_scalars(string kernel)
    {
        var k = Kernel(kernel);
        var rng = Rng.Stream(7, "gemm " + kernel);
        (float, float)[] scalars = [(1f, 0f), (0.5f, 1f), (-2f, 0.25f)];
        for (int trial = 0; trial < 60; trial++)
        {
            int m = 1 + rng.NextInt32(trial < 40 ? 40 : 300), n = 1 + rng.NextInt32(trial < 40 ? 40 : 300), kk = 1 + rng.NextInt32(trial < 40 ? 40 : 300);
            var (alpha, beta) = scalars[trial % 3];
            CheckOne(k, rng, m, n, kk, trial % 2 == 1, trial / 2 % 2 == 1, alpha, beta, pad: trial % 5);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Handles_the_mlp_shapes_and_odd_edges(string kernel)
    {
        var k = Kernel(kernel);
        var rng = Rng.Stream(8, "edges " + kernel);
        foreach (var (m, n, kk) in new[] { (1, 256, 784), (256, 10, 784), (257, 129, 513), (9, 33, 1), (300, 1, 300), (1, 1, 1), (37, 45, 1100), (3, 3100, 5) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    CheckOne(k, rng, m, n, kk, ta, tb, 1f, 0f, pad: 1);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Few_columns_of_a_product_with_a_transposed_B_use_row_dot_products_correctly(string kernel)
    {
        // n below 16 with B transposed takes the dot-product path (on AVX-512): groups of four columns, a remainder,
        // a depth that is and is not a multiple of the vector width, and alpha/beta.
        var k = Kernel(kernel);
        var rng = Rng.Stream(10, "row dots " + kernel);
        foreach (var (m, n, kk) in new[] { (64, 10, 256), (5, 15, 33), (3, 4, 16), (7, 1, 47), (256, 10, 784) })
            foreach (var (alpha, beta) in new[] { (1f, 0f), (0.5f, 1f), (-2f, 0.25f) })
                CheckOne(k, rng, m, n, kk, false, true, alpha, beta, pad: 2);
    }

    [Theory]
    [InlineData(300, 500, 700)]   // more columns: split along the columns
    [InlineData(517, 300, 700)]   // more rows (not a whole number of tiles): split along the rows
    public void Splitting_a_product_over_threads_gives_bit_identical_results_to_one_thread(int m, int n, int k)
    {
        var rng = Rng.Stream(9, "split");
        var a = new float[m * k]; var b = new float[k * n];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1);
        var alone = new float[m * n]; var together = new float[m * n];
        int before = Threads.Count;
        try
        {
            Threads.Count = 1;
            Gemm.Multiply(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, alone, 0, n);
            Threads.Count = Environment.ProcessorCount;
            Gemm.Multiply(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, together, 0, n);
        }
        finally { Threads.Count = before; }
        Assert.Equal(alone, together);
    }

    [Theory]
    [InlineData(false, 61, 1100)]    // several KC slices, a ragged last panel
    [InlineData(true, 4608, 512)]    // ResNet's 512-channel filters transposed: one slice, its panels split over the threads
    [InlineData(true, 203, 37)]      // one short slice, a ragged last panel, fewer panels than pieces of work
    [InlineData(true, 45, 1030)]     // transposed with several slices
    public void Packing_a_left_operand_once_lays_out_every_value_where_the_kernel_reads_it(bool trans, int m, int k)
    {
        var kernel = Gemm.Kernel;
        int mr = kernel.MR, rows = (m + mr - 1) / mr * mr, lda = (trans ? m : k) + 3;
        var a = new float[(trans ? k : m) * lda + 2];
        Rng.Stream(11, "packed left").FillUniform(a, -1, 1);
        foreach (int threads in new[] { 1, Environment.ProcessorCount })
        {
            int before = Threads.Count;
            var storage = new float[PackedLeft.Length(kernel, m, k) + 7];
            storage.AsSpan().Fill(float.NaN);
            try
            {
                Threads.Count = threads;
                _ = new PackedLeft(kernel, trans, a, 2, lda, m, k, storage, 5);
            }
            finally { Threads.Count = before; }
            int kcBlock = Gemm.KcBlock(k);
            for (int p0 = 0; p0 < k; p0 += kcBlock)
            {
                int kc = Math.Min(kcBlock, k - p0);
                for (int i = 0; i < rows; i++)
                    for (int p = 0; p < kc; p++)
                    {
                        float expected = i >= m ? 0f : trans ? a[2 + (p0 + p) * lda + i] : a[2 + i * lda + p0 + p];
                        float actual = storage[5 + p0 * rows + i / mr * mr * kc + p * mr + i % mr];
                        Assert.True(expected.Equals(actual), $"threads {threads}, trans {trans}: row {i}, depth {p0 + p} is {actual}, expected {expected}");
                    }
            }
            Assert.All(storage[..5], v => Assert.True(float.IsNaN(v), "written before the offset"));
            Assert.All(storage[^2..], v => Assert.True(float.IsNaN(v), "written past the packed length"));
        }
    }

    [Theory]
    [InlineData(false, 4608, 288)]   // the whole batch's im2col matrix at ResNet's 512 channels: several slices
    [InlineData(false, 512, 70)]     // an output gradient: one slice, a ragged last panel
    [InlineData(true, 288, 4608)]    // the im2col matrix read transposed, for the weight gradient
    public void Packing_a_right_operand_once_lays_out_every_value_where_the_kernel_reads_it(bool trans, int k, int n)
    {
        var kernel = Gemm.Kernel;
        int nr = kernel.NR, columns = (n + nr - 1) / nr * nr, ldb = (trans ? k : n) + 1;
        var b = new float[(trans ? n : k) * ldb + 4];
        Rng.Stream(13, "packed right").FillUniform(b, -1, 1);
        foreach (int threads in new[] { 1, Environment.ProcessorCount })
        {
            int before = Threads.Count;
            var storage = new float[PackedRight.Length(kernel, k, n) + 6];
            storage.AsSpan().Fill(float.NaN);
            try
            {
                Threads.Count = threads;
                _ = new PackedRight(kernel, trans, b, 4, ldb, k, n, storage, 3);
            }
            finally { Threads.Count = before; }
            int kcBlock = Gemm.KcBlock(k);
            for (int p0 = 0; p0 < k; p0 += kcBlock)
            {
                int kc = Math.Min(kcBlock, k - p0);
                for (int j = 0; j < columns; j++)
                    for (int p = 0; p < kc; p++)
                    {
                        float expected = j >= n ? 0f : trans ? b[4 + j * ldb + p0 + p] : b[4 + (p0 + p) * ldb + j];
                        float actual = storage[3 + p0 * columns + j / nr * nr * kc + p * nr + j % nr];
                        Assert.True(expected.Equals(actual), $"threads {threads}, trans {trans}: depth {p0 + p}, column {j} is {actual}, expected {expected}");
                    }
            }
            Assert.All(storage[..3], v => Assert.True(float.IsNaN(v), "written before the offset"));
            Assert.All(storage[^3..], v => Assert.True(float.IsNaN(v), "written past the packed length"));
        }
    }

    [Fact]
    public void Zero_depth_scales_C_by_beta()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(false, false, 2, 2, 0, 1f, [], 0, 1, [], 0, 2, 0.5f, c, 0, 2);
        Assert.Equal([0.5f, 1, 1.5f, 2], c);
    }
}
