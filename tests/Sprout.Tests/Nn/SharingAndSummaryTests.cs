using Sprout.Nn;

namespace Sprout.Tests.Nn;

public class SharingAndSummaryTests
{
    [Fact]
    public void One_trunk_shared_by_two_networks_with_different_input_widths()
    {
        var trunk = new Sequential { new Dense(16, Activation.Relu), new Dense(3) };
        var narrow = new Sequential { new Dense(8, Activation.Relu), trunk };
        var wide = new Sequential { new Dense(8, Activation.Relu), trunk };
        narrow.Initialize();
        wide.Initialize();
        narrow.Forward(Tensor.RandomUniform(2, 5));
        Assert.Equal(["0.weight"], wide.PendingParameters());
        wide.Forward(Tensor.RandomUniform(2, 40));
        Assert.Equal(new Shape(8, 5), narrow[0].Params["weight"].Shape);
        Assert.Equal(new Shape(8, 40), wide[0].Params["weight"].Shape);
        Assert.Same(narrow.CollectParams()["1.0.weight"], wide.CollectParams()["1.0.weight"]);
        var all = new HashSet<Parameter>(narrow.CollectParams().Values.Concat(wide.CollectParams().Values), ReferenceEqualityComparer.Instance);
        Assert.Equal(8, all.Count);   // two adapters (2 each) + one trunk (4)
    }

    [Fact]
    public void ShareParameters_ties_by_name_and_the_tied_network_sees_the_same_values()
    {
        var a = new Sequential { new Dense(4), new Dense(2) };
        a.Initialize();
        var x = Tensor.RandomUniform(3, 6);
        var ya = a.Forward(x).ToArray();
        var b = new Sequential { new Dense(4), new Dense(2) };
        Assert.Equal(4, b.ShareParameters(a.CollectParams()));
        Assert.Empty(b.PendingParameters());
        Assert.Equal(ya, b.Forward(x).ToArray());
        Assert.True(a.CollectParams()["0.weight"].IsTiedTo(((Dense)b[0]).Weight));   // one storage, whatever object a layer holds
    }

    [Fact]
    public void ShareParameters_with_contradicting_shapes_throws_and_ties_nothing()
    {
        var a = new Sequential { new Dense(4, inUnits: 6), new Dense(2, inUnits: 4) };
        var b = new Sequential { new Dense(4, inUnits: 6), new Dense(2, inUnits: 5) };
        var e = Assert.Throws<ShapeMismatchException>(() => b.ShareParameters(a.CollectParams()));
        Assert.Contains("1.weight", e.Message);
        Assert.NotSame(a.CollectParams()["0.weight"], b.CollectParams()["0.weight"]);
        Assert.Throws<ArgumentException>(() => b.ShareParameters(new Sequential { new Dense(1) }.CollectParams().WithPrefix("0.")));
    }

    [Fact]
    public void Build_materializes_every_deferred_parameter_from_a_shape_alone()
    {
        var net = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };
        net.Initialize();
        Assert.Equal(new Shape(2, 10), net.Build(new Shape(2, 20)));
        Assert.Empty(net.PendingParameters());
        Assert.Equal(new Shape(10, 256), net[1].Params["weight"].Data().Shape);
        Assert.Throws<ArgumentException>(() => net.Build(new Shape(2, -1)));
    }

    [Fact]
    public void Summary_splits_off_buffers_and_frozen_parameters_as_Keras_and_Gluon_do()
    {
        var net = new Sequential { new Dense(8), new BatchNorm(), new Dense(2) };
        net.Initialize();
        net.Forward(Tensor.RandomUniform(4, 3));
        foreach (var p in net[2].Params.Values) p.GradReq = GradReq.Null;   // a frozen head
        string s = net.Summary(new Shape(4, 3));
        // Dense 3→8: 32; BatchNorm: gamma and beta 16 trained, running_mean and running_var 16 buffers; Dense 8→2: 18 frozen.
        Assert.Contains("Total parameters: 82", s);
        Assert.Contains("Trainable parameters: 48 (34 in buffers or frozen)", s);
    }

    [Fact]
    public void Summary_of_the_mlp_lists_shapes_and_counts_and_leaves_the_network_untouched()
    {
        var net = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };
        string s = net.Summary(new Shape(2, 20));
        Assert.Contains("(2, 256)", s);
        Assert.Contains("weight (256, 20), bias (256,)", s);
        Assert.Contains("5,376", s);
        Assert.Contains("2,570", s);
        Assert.Contains("Total parameters: 7,946", s);
        Assert.DoesNotContain("Trainable", s);   // every parameter trains: no split to show
        Assert.Equal(new Shape(256, -1), net[0].Params["weight"].Shape);
        Assert.Equal(ParameterState.Declared, net[0].Params["weight"].State);
    }

    [Fact]
    public void Summary_wraps_a_long_parameter_list_under_its_column_and_keeps_the_count_on_the_first_line()
    {
        var net = new Sequential { new Gru(16, layers: 2), };
        var lines = net.Summary(new Shape(7, 4, 8)).Split('\n');
        int rule = Array.FindIndex(lines, l => l.StartsWith("---", StringComparison.Ordinal));
        var body = lines[(rule + 1)..Array.FindIndex(lines, rule + 1, l => l.StartsWith("---", StringComparison.Ordinal))];
        Assert.Equal(3, body.Length);   // eight tensors over three lines
        Assert.EndsWith("2,880", body[0]);
        int column = lines[rule - 1].IndexOf("Parameters", StringComparison.Ordinal);
        foreach (var more in body[1..])
        {
            Assert.True(string.IsNullOrWhiteSpace(more[..column]) && !char.IsWhiteSpace(more[column]), $"not under the Parameters column: '{more}'");
            Assert.True(more.Length <= lines[rule].Length);
        }
        string listed = string.Join(" ", body.Select(l => l[column..].Replace("2,880", "", StringComparison.Ordinal)));
        foreach (var name in new[] { "weight_ih_l0 (48, 8),", "weight_hh_l0 (48, 16),", "bias_ih_l0 (48,),", "bias_hh_l0 (48,),",
                     "weight_ih_l1 (48, 16),", "weight_hh_l1 (48, 16),", "bias_ih_l1 (48,),", "bias_hh_l1 (48,)" })
            Assert.Contains(name, listed);
    }

    [Fact]
    public void Summary_shows_a_layer_run_in_a_loop_once_with_its_call_count()
    {
        var net = new ThreeSteps();
        string s = net.Summary(new Shape(2, 4));
        var rows = s.Split('\n').Where(l => l.StartsWith("step", StringComparison.Ordinal)).ToArray();
        Assert.Single(rows);
        Assert.Contains("(2, 4) ×3", rows[0]);
        Assert.Contains("Total parameters: 20", s);
        net.Initialize();
        Assert.Equal(new Shape(2, 4), net.Build(new Shape(2, 4)));
    }

    /// <summary>One Dense layer applied three times, as a decoder applies its layers once per step.</summary>
    private sealed class ThreeSteps : Block
    {
        private readonly Dense _step = new(4);

        protected override Tensor ForwardCore(Tensor x)
        {
            for (int i = 0; i < 3; i++) x = _step.Forward(x);
            return x;
        }
    }

    [Fact]
    public void Merged_collections_let_one_trainer_update_two_networks_and_keep_names_unique()
    {
        var shared = new Dense(4);
        var encoder = new Sequential { new Dense(4), shared };
        var decoder = new Sequential { shared, new Dense(2) };
        foreach (var net in new[] { encoder, decoder }) net.Initialize(new Sprout.Init.Constant(0.5f));
        encoder.Forward(Tensor.Ones(new Shape(1, 5)));
        decoder.Forward(Tensor.Ones(new Shape(1, 4)));
        var both = new ParameterCollection().Merge(encoder.CollectParams(), "encoder.").Merge(decoder.CollectParams(), "decoder.");
        Assert.Equal(["encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "decoder.1.weight", "decoder.1.bias"], both.Keys);

        var trainer = new Sprout.Training.Trainer(both, new Sprout.Training.Sgd(0.1f));
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = decoder.Forward(encoder.Forward(Tensor.Ones(new Shape(1, 5)))).Sum();
        loss.Backward();
        trainer.Step(1);
        Assert.All(both.Values, p => Assert.NotEqual(0.5f, p.Data().ToArray()[0]));   // every parameter moved, the shared one once

        var clash = Assert.Throws<ArgumentException>(() => encoder.CollectParams().Merge(decoder.CollectParams()));
        Assert.Contains("'1.weight' names a different parameter in each collection", clash.Message);
    }

    [Fact]
    public void Summary_of_a_deeper_stack_with_nesting_and_flatten()
    {
        var net = new Sequential
        {
            new Flatten(),
            new Sequential { new Dense(128, Activation.Tanh), new Dense(64, Activation.Sigmoid) },
            new Relu(),
            new Dense(10),
        };
        net.Initialize();
        string s = net.Summary(new Shape(5, 1, 28, 28));
        Assert.Contains("1.0", s);
        Assert.Contains("weight (128, 784)", s);
        Assert.Contains("(5, 784)", s);
        Assert.Contains("(5, 64)", s);
        int total = 128 * 784 + 128 + 64 * 128 + 64 + 10 * 64 + 10;
        Assert.Contains("Total parameters: " + total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), s);
        Assert.Equal(new Shape(5, 10), net.Build(new Shape(5, 1, 28, 28)));
        Assert.Equal(total, net.CollectParams().ElementCount);
    }
}
