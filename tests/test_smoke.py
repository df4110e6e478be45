def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True) or "Sign in" in response.get_data(as_text=True)


def test_admin_sees_enterprise(client, make, login_as):
    admin = make.admin()
    enterprise = make.enterprise()
    login_as(admin)
    response = client.get(f"/enterprises/{enterprise.id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert enterprise.name in response.get_data(as_text=True)
