//! The page in Japanese.

use super::{LessonVerdict, LessonWords, Texts};
use crate::attacks::Method;

pub static JA: Texts = Texts {
    language: "言語",
    tagline: "写真を入れると、目に見えないほどの小さなノイズで ImageNet の画像分類器がだまされる様子を見られます。計算はすべてあなたの端末の中で行われ、写真が外に出ることはありません。",
    benchmark: "ベンチマーク",
    credits: " · EfficientNet-Lite の重み: Apache-2.0 · サンプル写真: scikit-image (CC0 / パブリックドメイン)",
    model: "モデル ",
    loading: |model, received, total| match total {
        Some(t) => format!("{model} を読み込み中: {received:.1} / {t:.1} MB"),
        None => format!("{model} を読み込み中: {received:.1} MB"),
    },
    starting: "起動中…",
    use_cpu: "CPU を使う",
    try_webgpu: "WebGPU を試す",
    drop_hint: "ここに写真をドロップするか、貼り付けるか、",
    choose_file: "ファイルを選んでください",
    no_photo: "まだ写真がありません",
    photo_as_seen: "モデルから見た写真: ",
    what_model_sees: "モデルの答え",
    camera_open: "カメラで写真を撮る",
    camera_take: "撮影",
    camera_switch: "カメラを切り替え",
    camera_close: "閉じる",
    camera_view: "カメラの映像",
    attack: "攻撃",
    method: "手法 ",
    method_title: |method| match method {
        Method::Fgsm => "高速勾配符号法 (FGSM)",
        Method::FgsmTargeted => "クラス指定の FGSM",
        Method::Ifgsm => "反復 FGSM (BIM)",
        Method::LeastLikely => "反復最小尤度法 (ILLC)",
        Method::Targeted => "反復クラス指定",
        Method::Pgd => "PGD (ランダムな開始点)",
        Method::MiFgsm => "モーメンタム反復 FGSM",
        Method::DiFgsm => "入力多様化 FGSM (DI)",
        Method::CwL2 => "Carlini-Wagner L2",
        Method::DeepFool => "DeepFool (最小の L2)",
        Method::Fooling => "だまし画像 (ノイズから)",
    },
    explain: |method| match method {
        Method::Fgsm => {
            "正解クラスの損失の勾配の符号の向きに、大きさ ε の一歩を進みます (Goodfellow ら 2015)。"
        }
        Method::FgsmTargeted => "選んだクラスの損失を下げる向きに、大きさ ε の一歩を進みます。",
        Method::Ifgsm => {
            "損失を上げる向きに小さな歩幅で進み、毎回 ε の範囲に切り詰めます (Kurakin ら 2017)。"
        }
        Method::LeastLikely => {
            "モデルがこの写真で最もありえないと考えるクラスに向かって、小さな歩幅で進みます (Kurakin ら 2017)。"
        }
        Method::Targeted => "あなたが選んだクラスに向かって、小さな歩幅で進みます。",
        Method::Pgd => "ε の範囲内のランダムな点から始める反復 FGSM です (Madry ら 2018)。",
        Method::MiFgsm => {
            "勾配にモーメンタムをかけた反復 FGSM で、ほかのモデルもだましやすくなります (Dong ら 2018)。"
        }
        Method::DiFgsm => {
            "各ステップでランダムに縮小・余白追加した写真を見る反復 FGSM で、ほかのモデルもだましやすくなります (Xie ら 2019)。"
        }
        Method::CwL2 => {
            "余裕 κ をもってモデルをだます、L2 で測って最小の変化を探します (Carlini & Wagner 2017)。小さなステップを多く踏むので時間がかかります。"
        }
        Method::DeepFool => {
            "勾配が示す最も近い決定境界まで進み、そのすぐ先へ出ます。L2 で最小の変化です (Moosavi-Dezfooli ら 2016)。"
        }
        Method::Fooling => {
            "写真ではなく灰色やノイズから始め、あなたが選んだクラスだとモデルが確信するまで登ります (Nguyen ら 2015)。"
        }
    },
    eps: |eps| format!("ε = {eps} / 255"),
    eps_slider: "変化の上限 ε (255 段階)",
    no_eps_fooling: "ε はありません。だまし画像は一から作られます。",
    no_eps_l2: "ε はありません。この攻撃はモデルをだます最小の変化 (L2) を探します。",
    step_size: "歩幅 α ",
    steps: "ステップ数 ",
    early_stop: " 目的を達したらすぐに止める",
    full_size: |size| {
        let size = size.map(|(w, h)| format!(" ({w}×{h})")).unwrap_or_default();
        format!(" 写真を元の大きさ{size}のまま攻撃する (オフ: モデル用の正方形の切り抜き)")
    },
    crop_only: |method| match method {
        Method::Fooling => "モデル用の正方形で作ります: だまし画像には元の写真がありません。",
        Method::DiFgsm => {
            "モデル用の正方形の切り抜きで攻撃します: DI-FGSM の縮小と余白追加はモデルの入力に対するものです。"
        }
        _ => "モデル用の正方形の切り抜きで攻撃します: EOT の変換はモデルの入力に対するものです。",
    },
    run: "実行",
    cancel: "中止",
    lesson_open: "ガイド付きレッスン: あなたの写真で分類器がだまされるしくみ",
    lesson_label: "ガイド付きレッスン",
    lesson: [
        LessonWords {
            title: "1. モデルに見えているもの",
            text: "分類器は写真を、ImageNet の 1000 クラスそれぞれの確率に変えます。これはあなたの写真に対する上位 5 つの答えです。",
        },
        LessonWords {
            title: "2. どちらに動かすと困るか: 勾配の符号",
            text: "画素についての損失 J の勾配は、画素と色ごとに、どちらに動かすとモデルが正解に自信をなくすかを教えます。その符号 (+1 か -1) が下の真ん中の図です。どの値もちょうど 1/255 だけ動き、動かなかったところは灰色です。",
        },
        LessonWords {
            title: "3. 一歩で: FGSM",
            text: "すべての画素の値を、その符号の向きに ε だけ一度に動かします (高速勾配符号法)。ε = 8 なら、どの値も 255 段階のうち 8 までしか変わりません。目にはほとんど見えませんが、モデルの答えを変えるにはしばしば十分です。",
        },
        LessonWords {
            title: "4. 小さな歩幅で何度も、切り詰めながら",
            text: "反復 FGSM は 1/255 ずつ進み、毎回、元の写真から ε 以内で、画素として正しい範囲に画像を切り詰めます。大きな一歩より少ない変化で済みます。",
        },
        LessonWords {
            title: "5. クラスを狙う: テナガザルになるパンダ",
            text: "正解の損失を上げる代わりに、選んだクラスの損失を下げると、モデルにはそのクラスが見えるようになります。ここでは有名なパンダの絵と同じく、テナガザル (gibbon) を狙います。",
        },
        LessonWords {
            title: "6. 反復最小尤度法",
            text: "元の記事のお気に入りです。この写真でモデルが最もありえないと考えるクラス、つまり最もばかげた答えを狙います。",
        },
        LessonWords {
            title: "7. ほかのモデルもだませるか",
            text: "この画像は一つのモデル用に作られました。ほかのモデルがまったく同じ画素を判定します。元の記事では、このような転移はまれでした。",
        },
        LessonWords {
            title: "8. JPEG で保存しても残るか",
            text: "写真は JPEG で共有されることが多く、JPEG は細かな模様を捨てます。そして摂動はまさに細かな模様です。画像を 3 つの品質の JPEG で保存し (縮小とフィルタも)、モデルがそれぞれを判定します。",
        },
    ],
    lesson_back: "戻る",
    lesson_next: "次へ",
    lesson_close: "閉じる",
    lesson_of: |k, n| format!("{k} / {n}"),
    lesson_no_photo: "写真、サンプル、またはカメラを選ぶと始まります。",
    computing: "計算中…",
    lesson_wait: "結果が出たら、もう一度「次へ」を押してください。",
    lesson_sees: |guesses| format!("モデルの答え: {guesses}。"),
    lesson_sign: |linf, class, prob| {
        format!(
            "どの値もちょうど 1/255 だけ動きました (最大の変化 {linf})。この一歩のあと、モデルの答えは {class} ({prob}) です。"
        )
    },
    lesson_judged: |model, sees, verdict| {
        let word = match verdict {
            LessonVerdict::WrongBefore => "元の写真ですでに不正解",
            LessonVerdict::Fooled => "これもだまされた",
            LessonVerdict::NotFooled => "だまされなかった",
        };
        format!("{model} の答えは {sees}: {word}")
    },
    lesson_no_judge: "ほかのモデルは判定しませんでした。",
    lesson_no_result: "保存する結果がまだありません。",
    lesson_jpeg: |checks| {
        format!(
            "{checks}。(「消えた」: モデルがまた正解する。「-」: 元の写真でも JPEG でモデルが間違える。)"
        )
    },
    lesson_jpeg_check: |quality, survived| {
        let word = match survived {
            Some(true) => "残った",
            Some(false) => "消えた",
            None => "-",
        };
        format!("JPEG 品質 {quality}: {word}")
    },
};
