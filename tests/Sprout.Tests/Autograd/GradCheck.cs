namespace Sprout.Tests.Autograd;

/// <summary>
/// Checks a function's backward rules against central finite differences: the gradient of L = Σ f(x)·w for a fixed
/// random w, evaluated by backward and by (L(x+ε) − L(x−ε)) / 2ε, with the sums taken in double precision.
/// </summary>
internal static class GradCheck
{
    public static void Assert(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, inputs, 1e-2, 1e-2);

    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double rtol, double atol, float eps = 4e-3f)
    {
        foreach (var x in inputs) x.AttachGrad();
        Tensor output;
        using (Sprout.Autograd.Record()) output = f(inputs);
        var w = Tensor.RandomUniform(output.Shape, -1f, 1f).ToArray();
        var wt = Tensor.FromArray(w, output.Shape.ToArray());
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = (f(inputs) * wt).Sum();
        loss.Backward();

        for (int i = 0; i < inputs.Length; i++)
        {
            var data = inputs[i].AsSpan();
            var grad = inputs[i].Grad().ToArray();
            int step = Math.Max(1, data.Length / 40);
            for (int j = 0; j < data.Length; j += step)
            {
                float original = data[j];
                data[j] = original + eps;
                double plus = Weighted(f(inputs), w);
                data = inputs[i].AsSpan();
                data[j] = original - eps;
                double minus = Weighted(f(inputs), w);
                data = inputs[i].AsSpan();
                data[j] = original;
                double numeric = (plus - minus) / (2 * eps);
                Xunit.Assert.True(Math.Abs(numeric - grad[j]) <= atol + rtol * Math.Abs(numeric),
                    $"input {i}, element {j}: backward gives {grad[j]}, finite differences {numeric}");
            }
        }
    }

    private static double Weighted(Tensor y, float[] w)
    {
        var v = y.ToArray();
        double s = 0;
        for (int k = 0; k < v.Length; k++) s += (double)v[k] * w[k];
        return s;
    }
}
