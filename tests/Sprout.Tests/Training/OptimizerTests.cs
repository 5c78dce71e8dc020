using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Training;

public class OptimizerTests
{
    /// <summary>A one-parameter "network" whose gradient we set by hand: loss = Σ w·g.</summary>
    private static (Parameter W, Action<float[]> Backward) Single(float[] initial)
    {
        var net = new Dense(initial.Length, inUnits: 1, useBias: false);
        net.Initialize();
        var w = net.Weight;
        w.SetData(Tensor.FromArray(initial, initial.Length, 1));
        return (w, g =>
        {
            Tensor loss;
            using (Sprout.Autograd.Record()) loss = (w.Data() * Tensor.FromArray(g, g.Length, 1)).Sum();
            loss.Backward();
        });
    }

    private static Trainer TrainerFor(Parameter w, Optimizer o)
    {
        var c = new ParameterCollection("test");
        c.Add("w", w);
        return new Trainer(c, o);
    }

    [Fact]
    public void Sgd_steps_against_the_gradient_rescaled_by_the_batch_size()
    {
        var (w, backward) = Single([1f, 2f]);
        var trainer = TrainerFor(w, new Sgd(0.5f));
        backward([4f, -8f]);
        trainer.Step(batchSize: 4);
        Assert.Equal([1f - 0.5f, 2f + 1f], w.Data().ToArray());
    }

    [Fact]
    public void Sgd_with_momentum_nesterov_and_weight_decay_follows_pytorch()
    {
        var (w, backward) = Single([1f]);
        var trainer = TrainerFor(w, new Sgd(0.1f, momentum: 0.9f, nesterov: true, weightDecay: 0.5f));
        double wv = 1, v = 0;
        for (int step = 0; step < 3; step++)
        {
            backward([2f]);
            trainer.Step(1);
            double g = 2 + 0.5 * wv;
            v = 0.9 * v + g;
            wv -= 0.1 * (g + 0.9 * v);
            Assert.Equal(wv, w.Data().ToArray()[0], 1e-5);
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.9f)]
    public void Sgd_updates_a_large_parameter_in_chunks_exactly_as_the_rule_says(float momentum)
    {
        // 65,537 weights: above the size at which the update is split over threads, with one weight past two equal halves.
        const int n = 65_537;
        var initial = Enumerable.Range(0, n).Select(i => (i % 17) / 17f - 0.5f).ToArray();
        var (w, backward) = Single(initial);
        var trainer = TrainerFor(w, new Sgd(0.1f, momentum: momentum));
        var expected = initial.Select(x => (double)x).ToArray();
        var velocity = new double[n];
        for (int step = 1; step <= 3; step++)
        {
            var g = Enumerable.Range(0, n).Select(i => ((i * step) % 11) - 5f).ToArray();
            backward(g);
            trainer.Step(batchSize: 2);
            for (int i = 0; i < n; i++)
            {
                velocity[i] = momentum * velocity[i] + g[i] / 2.0;
                expected[i] -= 0.1 * velocity[i];
            }
        }
        var actual = w.Data().ToArray();
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"momentum {momentum}: weight {i} is {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void Adam_and_AdamW_follow_their_update_rules()
    {
        foreach (bool decoupled in new[] { false, true })
        {
            var (w, backward) = Single([0.5f]);
            Optimizer opt = decoupled ? new AdamW(0.01f, weightDecay: 0.1f) : new Adam(0.01f, weightDecay: 0.1f);
            var trainer = TrainerFor(w, opt);
            double wv = 0.5, m = 0, v = 0;
            for (int t = 1; t <= 4; t++)
            {
                backward([1.5f]);
                trainer.Step(1);
                double g = 1.5;
                if (decoupled) wv *= 1 - 0.01 * 0.1;
                else g += 0.1 * wv;
                m = 0.9 * m + 0.1 * g;
                v = 0.999 * v + 0.001 * g * g;
                double mh = m / (1 - Math.Pow(0.9, t)), vh = v / (1 - Math.Pow(0.999, t));
                wv -= 0.01 * mh / (Math.Sqrt(vh) + 1e-8);
                Assert.Equal(wv, w.Data().ToArray()[0], 1e-5);
            }
        }
    }

    /// <summary>A Dense(1) with weight [w0] and bias [b0] over a one-feature input x, and a backward of loss = Σ g·(x·w + b).</summary>
    private static (Dense Layer, Action<float> Backward) WeightAndBias(float w0, float b0, float x)
    {
        var layer = new Dense(1, inUnits: 1);
        layer.Initialize();
        layer.Weight.SetData(Tensor.FromArray([w0], 1, 1));
        layer.Bias!.SetData(Tensor.FromArray([b0], 1));
        return (layer, g =>
        {
            Tensor loss;
            using (Sprout.Autograd.Record()) loss = (layer.Forward(Tensor.FromArray([x], 1, 1)) * g).Sum();
            loss.Backward();
        });
    }

    [Theory]
    [InlineData(0f)]     // plain SGD takes the in-place path
    [InlineData(0.9f)]   // heavy-ball with weight decay takes the general one
    public void Per_parameter_multipliers_scale_the_learning_rate_and_the_weight_decay_as_gluon_does(float momentum)
    {
        var (layer, backward) = WeightAndBias(w0: 1f, b0: 2f, x: 3f);
        var trainer = new Trainer(layer.CollectParams(), new Sgd(0.1f, momentum, weightDecay: momentum > 0 ? 0.5f : 0f));
        layer.CollectParams(".*bias").SetWeightDecayMultiplier(0);   // the book's weight decay: weights only
        layer.CollectParams(".*weight").SetLearningRateMultiplier(10);
        double w = 1, b = 2, vw = 0, vb = 0, wd = momentum > 0 ? 0.5 : 0;
        for (int step = 0; step < 3; step++)
        {
            backward(2f);   // ∂/∂w = g·x = 6, ∂/∂b = g = 2
            trainer.Step(1);
            vw = momentum * vw + 6 + wd * w;
            vb = momentum * vb + 2;   // wd × 0
            w -= 0.1 * 10 * vw;
            b -= 0.1 * vb;
            Assert.Equal(w, layer.Weight.Data().ToArray()[0], 1e-4);
            Assert.Equal(b, layer.Bias!.Data().ToArray()[0], 1e-4);
        }
    }

    [Fact]
    public void AdamW_decays_by_the_parameter_s_own_rates()
    {
        var (layer, backward) = WeightAndBias(w0: 0.5f, b0: 0.5f, x: 1f);
        layer.Weight.LearningRateMultiplier = 0.5f;
        layer.Weight.WeightDecayMultiplier = 4f;
        layer.Bias!.WeightDecayMultiplier = 0f;
        var trainer = new Trainer(layer.CollectParams(), new AdamW(0.01f, weightDecay: 0.1f));
        double w = 0.5, b = 0.5, mw = 0, vw = 0, mb = 0, vb = 0;
        for (int t = 1; t <= 3; t++)
        {
            backward(1.5f);   // both gradients 1.5
            trainer.Step(1);
            w *= 1 - 0.005 * 0.4;   // decoupled: η·mult × λ·mult
            (mw, vw) = (0.9 * mw + 0.1 * 1.5, 0.999 * vw + 0.001 * 2.25);
            (mb, vb) = (0.9 * mb + 0.1 * 1.5, 0.999 * vb + 0.001 * 2.25);
            double c1 = 1 - Math.Pow(0.9, t), c2 = 1 - Math.Pow(0.999, t);
            w -= 0.005 * (mw / c1) / (Math.Sqrt(vw / c2) + 1e-8);
            b -= 0.01 * (mb / c1) / (Math.Sqrt(vb / c2) + 1e-8);
            Assert.Equal(w, layer.Weight.Data().ToArray()[0], 1e-5);
            Assert.Equal(b, layer.Bias.Data().ToArray()[0], 1e-5);
        }
    }

    [Fact]
    public void Multipliers_are_shared_by_tied_parameters_copied_by_clones_and_checked()
    {
        var net = new Sequential { new Dense(4), new Dense(4) };
        net[1].ShareParameters(net[0].CollectParams());
        net[0].CollectParams().SetLearningRateMultiplier(3);
        Assert.Equal(3f, ((Dense)net[1]).Weight.LearningRateMultiplier);
        var clone = (Sequential)net.Clone();
        Assert.Equal(3f, ((Dense)clone[0]).Weight.LearningRateMultiplier);
        ((Dense)clone[0]).Weight.LearningRateMultiplier = 1;
        Assert.Equal(3f, ((Dense)net[0]).Weight.LearningRateMultiplier);   // the clone's own
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.CollectParams().SetWeightDecayMultiplier(-1));
        Assert.Contains("'0.weight'", e.Message);
        Assert.Contains("got -1", e.Message);
        Assert.All(net.CollectParams().Values, p => Assert.Equal(1f, p.WeightDecayMultiplier));   // the first refusal changed nothing
        Assert.Throws<ArgumentOutOfRangeException>(() => ((Dense)net[0]).Weight.LearningRateMultiplier = float.NaN);
        Assert.Equal(3f, ((Dense)net[0]).Weight.LearningRateMultiplier);
    }

    [Fact]
    public void A_trainer_made_before_the_first_forward_trains_the_filled_parameters()
    {
        Rng.Seed(8);
        var net = new Sequential { new Dense(4, Activation.Relu), new Dense(2) };
        net.Initialize();
        var trainer = new Trainer(net.CollectParams(), new Adam(0.05f));
        var x = Tensor.RandomUniform(8, 3);
        var y = Tensor.FromArray([.. Enumerable.Range(0, 8).Select(i => x[i, 0] > 0.5f ? 1f : 0f)], 8);
        var loss = new SoftmaxCrossEntropyLoss();
        float First() { using (Sprout.Autograd.Pause()) return loss.Forward(net.Forward(x), y).Mean().Item(); }
        for (int i = 0; i < 200; i++)
        {
            Tensor total;
            using (Sprout.Autograd.Record()) total = loss.Forward(net.Forward(x), y).Sum();
            total.Backward();
            if (i == 0) Assert.True(net.CollectParams().Values.All(p => p.IsInitialized));
            trainer.Step(8);
        }
        Assert.True(First() < 0.3f, $"loss {First()} did not fall below 0.3");
    }

    [Fact]
    public void Step_with_a_parameter_no_forward_reached_throws_naming_it()
    {
        var branch = new Dense(3);
        var used = new Dense(2);
        var holder = new Sequential { used, branch };
        holder.Initialize();
        var trainer = new Trainer(holder.CollectParams(), new Sgd(0.1f));
        Tensor total;
        using (Sprout.Autograd.Record()) total = used.Forward(Tensor.Ones(1, 4)).Sum();
        total.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(1));
        Assert.Contains("'1.weight'", e.Message);
        Assert.Contains("never filled", e.Message);
        branch.Weight.GradReq = GradReq.Null;
        branch.Bias!.GradReq = GradReq.Null;
        trainer.Step(1);
    }

    [Fact]
    public void A_second_step_after_one_backward_is_refused_and_changes_nothing()
    {
        var (w, backward) = Single([1f, 2f]);
        var trainer = TrainerFor(w, new Sgd(0.5f, momentum: 0.9f));
        backward([1f, 1f]);
        trainer.Step(1);
        var after = w.Data().ToArray();
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(1));   // with momentum it would move w again
        Assert.Contains("'w'", e.Message);
        Assert.Contains("ignoreStaleGrad: true", e.Message);
        Assert.Equal(after, w.Data().ToArray());
        Assert.Equal(1, trainer.Optimizer.StepCount);   // the refused step did not count
        backward([1f, 1f]);
        trainer.Step(1);                                // a fresh gradient steps again
        Assert.NotEqual(after, w.Data().ToArray());
    }

    [Fact]
    public void A_branch_left_out_of_an_iteration_is_named_and_ignoreStaleGrad_updates_only_the_others()
    {
        var trunk = new Dense(3, inUnits: 2);
        var (left, right) = (new Dense(1, inUnits: 3), new Dense(1, inUnits: 3));
        var holder = new Sequential { trunk, left, right };
        holder.Initialize();
        var trainer = new Trainer(holder.CollectParams(), new Sgd(0.1f));
        void Iteration(Dense head)
        {
            Tensor loss;
            using (Sprout.Autograd.Record()) loss = head.Forward(trunk.Forward(Tensor.Ones(4, 2))).Sum();
            loss.Backward();
        }
        Iteration(left);
        Iteration(right);
        trainer.Step(1);                                // both heads have fresh gradients: no complaint
        Iteration(left);                                // this time the right head is not used
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(1));
        Assert.Contains("'2.weight', '2.bias'", e.Message);
        Assert.DoesNotContain("'1.weight'", e.Message);
        var rightBefore = right.Weight.Data().ToArray();
        var leftBefore = left.Weight.Data().ToArray();
        trainer.Step(1, ignoreStaleGrad: true);
        Assert.Equal(rightBefore, right.Weight.Data().ToArray());        // its old gradient was not applied again
        Assert.NotEqual(leftBefore, left.Weight.Data().ToArray());
    }

    [Fact]
    public void Gradients_accumulated_over_several_backward_passes_step_once()
    {
        var (w, backward) = Single([0f]);
        w.GradReq = GradReq.Add;
        var trainer = TrainerFor(w, new Sgd(1f));
        backward([1f]);
        backward([2f]);
        trainer.Step(1);
        Assert.Equal(-3f, w.Data().ToArray()[0]);
        trainer.ZeroGrad();
        Assert.Throws<InvalidOperationException>(() => trainer.Step(1));   // cleared, not rewritten by a backward pass
    }

    [Fact]
    public void ZeroGrad_clears_accumulated_gradients()
    {
        var (w, backward) = Single([1f]);
        w.GradReq = GradReq.Add;
        backward([3f]);
        backward([3f]);
        Assert.Equal(6f, w.Grad().ToArray()[0]);
        TrainerFor(w, new Sgd(0.1f)).ZeroGrad();
        Assert.Equal(0f, w.Grad().ToArray()[0]);
        backward([3f]);
        var frozen = new Dense(2);   // not filled, and then frozen: both skipped
        var c = new ParameterCollection("net");
        c.Add("w", w);
        c.Add("pending", frozen.Weight);
        c.ZeroGrad();   // Gluon's collect_params().zero_grad()
        Assert.Equal(0f, w.Grad().ToArray()[0]);
    }

    [Fact]
    public void A_frozen_parameter_has_no_gradient_to_read_and_the_trainer_leaves_it_alone()
    {
        var (w, backward) = Single([1f, 2f]);
        w.GradReq = GradReq.Null;
        var nothing = Assert.Throws<InvalidOperationException>(() => backward([4f, -8f]));   // all it depends on is frozen
        Assert.Contains("frozen (GradReq.Null)", nothing.Message);
        var e = Assert.Throws<InvalidOperationException>(() => w.Grad());   // Gluon refuses too; zeros would read as "no signal"
        Assert.Contains($"'{w.Path}'", e.Message);
        Assert.Contains("GradReq.Null", e.Message);
        Assert.Contains("GradReq.Write", e.Message);
        var trainer = TrainerFor(w, new Sgd(0.5f));
        trainer.ZeroGrad();
        Assert.Equal(0f, trainer.ClipGradients(1f));
        trainer.Step(1);
        Assert.Equal([1f, 2f], w.Data().ToArray());
        w.GradReq = GradReq.Write;   // unfrozen: the buffer is there again
        backward([4f, -8f]);
        Assert.Equal([4f, -8f], w.Grad().ToArray());
    }

    [Fact]
    public void Bad_hyper_parameters_are_rejected_with_the_value()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1f));
        Assert.Contains("-1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 1f));
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
    }
}
