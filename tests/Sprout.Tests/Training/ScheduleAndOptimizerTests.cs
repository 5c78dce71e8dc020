using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Training;

/// <summary>The book's optimization chapter: learning-rate schedules against its formulas, optimizers against reference updates.</summary>
public class ScheduleAndOptimizerTests
{
    [Fact]
    public void Schedules_follow_the_books_formulas()
    {
        var factor = new FactorScheduler(baseRate: 2f, factor: 0.9f, minimumRate: 1e-2f);
        for (int t = 0; t < 60; t++) Assert.Equal(Math.Max(1e-2, 2 * Math.Pow(0.9, t)), factor.Rate(t), 5);
        var multi = new MultiStepScheduler(0.5f, [15, 30], factor: 0.5f);
        Assert.Equal([0.5f, 0.5f, 0.25f, 0.25f, 0.125f], new[] { 0, 14, 15, 29, 30 }.Select(multi.Rate));
        var cosine = new CosineScheduler(maxUpdate: 20, baseRate: 0.3f, finalRate: 0.01f, warmupSteps: 5);
        for (int t = 0; t < 30; t++)
        {
            double expected = t < 5 ? 0.3 * t / 5
                : t > 20 ? 0.01
                : 0.01 + (0.3 - 0.01) * (1 + Math.Cos(Math.PI * (t - 5) / 15)) / 2;
            Assert.Equal(expected, cosine.Rate(t), 5);
        }
        Assert.Throws<ArgumentException>(() => new MultiStepScheduler(0.5f, [30, 15]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineScheduler(maxUpdate: 5, warmupSteps: 5));
    }

    [Fact]
    public void A_trainer_takes_its_rate_from_the_schedule_before_every_step()
    {
        var net = new Sequential { new Dense(1, inUnits: 1, useBias: false) };
        net.Initialize(new Sprout.Init.Constant(1f));
        var trainer = new Trainer(net.CollectParams(), new Sgd(1f)) { Schedule = new MultiStepScheduler(0.5f, [1], factor: 0.1f) };
        var rates = new List<float>();
        for (int step = 0; step < 3; step++)
        {
            using (Sprout.Autograd.Record()) net.Forward(Tensor.Ones(1, 1)).Sum().Backward();
            trainer.Step(1);
            rates.Add(trainer.LearningRate);
        }
        Assert.Equal([0.5f, 0.05f, 0.05f], rates);
        Assert.Equal(1 - 0.5 - 0.05 - 0.05, net.CollectParams()["0.weight"].Data().Item(), 5);   // dL/dw = 1 each step
    }

    /// <summary>f(w) = ½·Σ aᵢwᵢ², ∇f = a ⊙ w: each optimizer's steps against the same rule written out in double precision.</summary>
    public static TheoryData<string> Optimizers() => ["adagrad", "rmsprop", "adadelta"];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Optimizers_match_their_reference_updates_on_a_quadratic(string name)
    {
        double[] a = [0.1, 1, 4, 10], w = [1, -2, 0.5, 3], s = new double[4], delta = new double[4];
        var net = new Sequential { new Dense(1, inUnits: 4, useBias: false) };
        net.Initialize();
        var weight = net.CollectParams()["0.weight"];
        weight.SetData(Tensor.FromArray([.. w.Select(v => (float)v)], 1, 4));
        Optimizer optimizer = name switch
        {
            "adagrad" => new Adagrad(0.4f),
            "rmsprop" => new RmsProp(0.05f, gamma: 0.9f),
            _ => new Adadelta(rho: 0.9f),
        };
        var trainer = new Trainer(net.CollectParams(), optimizer);
        var coefficients = Tensor.FromArray([.. a.Select(v => (float)v)], 1, 4);
        for (int step = 0; step < 20; step++)
        {
            using (Sprout.Autograd.Record()) (weight.Data() * weight.Data() * coefficients * 0.5f).Sum().Backward();
            trainer.Step(1);
            for (int i = 0; i < 4; i++)
            {
                double g = a[i] * w[i];
                switch (name)
                {
                    case "adagrad": s[i] += g * g; w[i] -= 0.4 * g / Math.Sqrt(s[i] + 1e-6); break;
                    case "rmsprop": s[i] = 0.9 * s[i] + 0.1 * g * g; w[i] -= 0.05 * g / Math.Sqrt(s[i] + 1e-6); break;
                    default:
                        s[i] = 0.9 * s[i] + 0.1 * g * g;
                        double update = Math.Sqrt(delta[i] + 1e-5) / Math.Sqrt(s[i] + 1e-5) * g;
                        delta[i] = 0.9 * delta[i] + 0.1 * update * update;
                        w[i] -= update;
                        break;
                }
            }
            var got = weight.Data().ToArray();
            for (int i = 0; i < 4; i++) Assert.True(Math.Abs(got[i] - w[i]) <= 1e-4 * (1 + Math.Abs(w[i])), $"{name} step {step} w[{i}]: {got[i]} vs {w[i]}");
        }
        var loss = w.Select((v, i) => 0.5 * a[i] * v * v).Sum();
        Assert.True(loss < 0.5 * (0.1 * 1 + 1 * 4 + 4 * 0.25 + 10 * 9), $"{name} did not descend: loss {loss}");
    }
}
